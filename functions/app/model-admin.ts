import { ConfigError, ConflictError, NotFoundError } from '../core/errors.ts';
import { BUNDLED_MODEL, InvalidModelPointerError, parseModelVersion } from '../core/models/model-record.ts';
import { RULES_VERSION } from '../core/scan/rules/index.ts';
import { engineVersion } from '../core/scan/scan-message.ts';
import { deserializeModel, type StatisticalModel } from '../core/scan/statistical/model.ts';
import type { ModelSource } from './model-source.ts';
import type { CurrentModel, ModelVersionRecord } from './model-versions.ts';
import type { PipelineDeps } from './stage-deps.ts';

/**
 * The admin's view of the model versions: which one is current and since when, their
 * history, and rollback. The stored pointer (models/current.json) is the truth; the running
 * functions follow it within `model.refreshSeconds`.
 */

export interface ModelStatus {
  /** The engine version mail is scanned with once the functions follow the pointer (scan.engineVersion). */
  readonly engine: string;
  readonly rules: {
    readonly version: string;
    /** Rules ship with the deployment; their version carries the date they last changed (yyyy-mm-dd). */
    readonly updated?: string;
  };
  readonly model: {
    readonly version: string;
    readonly source: 'bundled' | 'promoted';
    /** When it became current (by promotion or rollback); absent while the bundled one has always been. */
    readonly updatedAt?: string;
    readonly updatedBy?: string;
    /** The version that was current before. */
    readonly previous?: string;
    /** Its stored record (absent for the bundled model). */
    readonly record?: ModelVersionRecord;
  };
  /** The model shipped with this deployment (`graywall model rollback bundled`). */
  readonly bundledVersion: string;
  /** A running function reads the pointer at most this often. */
  readonly refreshSeconds: number;
  /** Set when models/current.json exists but cannot be used: the functions keep their last good model. */
  readonly problem?: string;
  /** Versions that passed the held-out check and wait for `graywall model promote`, newest first. */
  readonly pending?: readonly string[];
}

export interface ModelHistoryEntry extends ModelVersionRecord {
  readonly current: boolean;
}

export interface ModelHistory {
  readonly current: string;
  readonly bundled: { readonly version: string; readonly current: boolean };
  /** Every stored version, newest first. */
  readonly versions: readonly ModelHistoryEntry[];
}

export async function modelStatus(deps: PipelineDeps): Promise<ModelStatus> {
  const bundled = bundledModel(deps);
  const pointer = await readPointer(deps);
  const version = resolveVersion(pointer.current?.version, bundled);
  const isBundled = version === bundled.version;
  const record = isBundled ? undefined : await deps.models.getRecord(version);
  const current = pointer.current;
  const pending = (await deps.models.listVersions())
    .filter((r) => r.status === 'pending')
    .map((r) => r.version);
  return {
    engine: `${RULES_VERSION}+${version}`,
    rules: { version: RULES_VERSION, ...rulesDate(RULES_VERSION) },
    model: {
      version,
      source: isBundled ? 'bundled' : 'promoted',
      ...(current ? { updatedAt: current.promotedAt, updatedBy: current.promotedBy } : {}),
      ...(current?.previous ? { previous: current.previous } : {}),
      ...(record ? { record } : {}),
    },
    bundledVersion: bundled.version,
    refreshSeconds: deps.config.model.refreshSeconds,
    ...(pointer.problem ? { problem: pointer.problem } : {}),
    ...(pending.length > 0 ? { pending } : {}),
  };
}

export async function modelHistory(deps: PipelineDeps): Promise<ModelHistory> {
  const bundled = bundledModel(deps);
  const pointer = await readPointer(deps);
  const current = resolveVersion(pointer.current?.version, bundled);
  const versions = await deps.models.listVersions();
  return {
    current,
    bundled: { version: bundled.version, current: current === bundled.version },
    versions: versions.map((record) => ({ ...record, current: record.version === current })),
  };
}

/**
 * Makes an earlier version current again: a stored version that was not refused, or the
 * bundled one (`bundled` or its version). Checks that the artifact loads before pointing
 * the functions at it, so a rollback cannot leave them logging errors on a broken artifact.
 * The replaced version's record becomes `retired`, the target's `promoted`, both saying who
 * did it. Tracking records are not touched: each keeps the engine version it was scanned with.
 */
export async function rollbackModel(
  deps: PipelineDeps,
  requested: unknown,
  principal: string,
): Promise<ModelStatus> {
  const bundled = bundledModel(deps);
  const target = requested === BUNDLED_MODEL ? bundled.version : parseModelVersion(requested);
  const targetRecord = target === bundled.version ? undefined : await deps.models.getRecord(target);
  if (target !== bundled.version) {
    if (!targetRecord) {
      // Only what a rollback accepts: versions that were in service (refused and pending ones are not).
      const known = (await deps.models.listVersions())
        .filter((r) => r.status === 'promoted' || r.status === 'retired')
        .map((r) => r.version);
      throw new NotFoundError(
        `model version ${target} is not stored; roll back to ${[...known, BUNDLED_MODEL].join(', ')}`,
      );
    }
    if (targetRecord.status === 'refused') {
      throw new ConflictError(
        `model version ${target} was refused${targetRecord.statusReason ? ` (${targetRecord.statusReason})` : ''}; it cannot be made current`,
      );
    }
    if (targetRecord.status === 'pending' || targetRecord.status === 'candidate') {
      throw new ConflictError(
        `model version ${target} was never in service; to put it into service, \`graywall model promote ${target}\``,
      );
    }
  }
  return switchTo(deps, target, targetRecord, principal, 'rollback');
}

/**
 * Puts a version that passed the held-out check into service (`graywall model promote`):
 * the admin's approval when `model.promotion` is manual. Same switch as a rollback.
 */
export async function promoteModel(
  deps: PipelineDeps,
  requested: unknown,
  principal: string,
): Promise<ModelStatus> {
  const target = parseModelVersion(requested);
  const record = await deps.models.getRecord(target);
  if (!record) {
    const pending = (await deps.models.listVersions())
      .filter((r) => r.status === 'pending')
      .map((r) => r.version);
    throw new NotFoundError(
      `model version ${target} is not stored; ${pending.length > 0 ? `waiting for promotion: ${pending.join(', ')}` : 'no version is waiting for promotion'}`,
    );
  }
  if (record.status !== 'pending') {
    throw new ConflictError(
      record.status === 'refused'
        ? `model version ${target} was refused (${record.statusReason ?? 'held-out check failed'}); it cannot be promoted`
        : `model version ${target} is ${record.status}; only a version waiting for promotion can be promoted (to go back to one that was in service, \`graywall model rollback\`)`,
    );
  }
  return switchTo(deps, target, record, principal, 'promote');
}

async function switchTo(
  deps: PipelineDeps,
  target: string,
  targetRecord: ModelVersionRecord | undefined,
  principal: string,
  how: 'rollback' | 'promote',
): Promise<ModelStatus> {
  const bundled = bundledModel(deps);
  if (targetRecord) {
    const model = deserializeModel(await deps.models.getArtifact(target));
    if (model.version !== target)
      throw new ConflictError(`the artifact stored for ${target} holds model version ${model.version}`);
  }
  const pointer = await readPointer(deps);
  const replaced = resolveVersion(pointer.current?.version, bundled);
  if (replaced === target && !pointer.problem) {
    throw new ConflictError(`model version ${target} is already current`);
  }
  const now = deps.clock.now().toISOString();
  const next: CurrentModel = {
    // "bundled", not its version: the pointer then follows the deployment, so a redeploy with a
    // newer bundled model needs no new rollback (and finds no stale version to look for).
    version: target === bundled.version ? BUNDLED_MODEL : target,
    promotedAt: now,
    promotedBy: principal,
    ...(replaced === target ? {} : { previous: replaced }),
  };
  // The pointer first: it is what the functions follow; the records only describe it.
  await deps.models.setCurrent(next);
  const targetName = target === bundled.version ? `${target} (bundled)` : target;
  if (replaced !== target && replaced !== bundled.version) {
    const old = await deps.models.getRecord(replaced);
    if (old) {
      await deps.models.updateRecord({
        ...old,
        status: 'retired',
        statusReason: `retired at ${now}: ${principal} ${how === 'promote' ? 'promoted' : 'rolled back to'} ${targetName}`,
      });
    }
  }
  if (targetRecord) {
    await deps.models.updateRecord({
      ...targetRecord,
      status: 'promoted',
      statusReason:
        how === 'promote'
          ? `promoted at ${now} by ${principal} (approved; replaces ${replaced})`
          : `made current again at ${now} by ${principal} (rollback from ${replaced})`,
    });
  }
  deps.log.info(how === 'promote' ? 'model promoted' : 'model rolled back', {
    from: replaced,
    to: target,
    by: principal,
  });
  return modelStatus(deps);
}

/** The version the functions report (GET /admin/version), following the pointer like the scan does. */
export async function runningEngine(
  deps: PipelineDeps,
): Promise<{ engine: string; model?: { version: string; source: string } }> {
  if (!deps.modelSource) return { engine: engineVersion(deps.model) };
  const active = await deps.modelSource.current();
  return {
    engine: engineVersion(active.model),
    model: { version: active.model.version, source: active.source },
  };
}

function bundledModel(deps: PipelineDeps): StatisticalModel {
  const source: ModelSource | undefined = deps.modelSource;
  if (!source) throw new ConfigError('this function ships no statistical model (graywall-model.json)');
  return source.bundled;
}

/** The model version a pointer value stands for: none, or "bundled", is the bundled model's. */
function resolveVersion(version: string | undefined, bundled: StatisticalModel): string {
  return version === undefined || version === BUNDLED_MODEL ? bundled.version : version;
}

async function readPointer(deps: PipelineDeps): Promise<{ current?: CurrentModel; problem?: string }> {
  try {
    const current = await deps.models.current();
    return current ? { current } : {};
  } catch (error) {
    if (error instanceof InvalidModelPointerError) return { problem: error.message };
    throw error;
  }
}

/** `rules-2026.11.26-1` → `{ updated: '2026-11-26' }`; nothing when the version carries no date. */
function rulesDate(version: string): { updated?: string } {
  const match = /(\d{4})\.(\d{2})\.(\d{2})/.exec(version);
  return match ? { updated: `${match[1]}-${match[2]}-${match[3]}` } : {};
}
