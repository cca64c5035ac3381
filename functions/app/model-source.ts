import { BUNDLED_MODEL } from '../core/models/model-record.ts';
import { deserializeModel, ModelFormatError, type StatisticalModel } from '../core/scan/statistical/model.ts';
import type { CurrentModel, ModelStore } from './model-versions.ts';
import type { Clock, Logger } from './ports.ts';
import type { PipelineDeps } from './stage-deps.ts';

/** The model a function scans with right now, and why. */
export interface ActiveModel {
  readonly model: StatisticalModel;
  /** `bundled`: the artifact shipped with the function; `promoted`: a stored version the pointer names. */
  readonly source: 'bundled' | 'promoted';
  /** The pointer as last read; absent while none is stored (or none could be read yet). */
  readonly pointer?: CurrentModel;
}

export interface ModelSourceOptions {
  readonly store: Pick<ModelStore, 'current' | 'getArtifact'>;
  /** The model shipped with the function (loadModelFile): current until a version is promoted. */
  readonly bundled: StatisticalModel;
  readonly clock: Clock;
  readonly log: Logger;
  /** At most how often the pointer is read again (config `model.refreshSeconds`). */
  readonly refreshSeconds: number;
}

/**
 * Gives each invocation the current model without a redeploy. The pointer
 * (models/current.json) is read on first use and then at most every `refreshSeconds`; the
 * artifact of a newly named version is read and decoded once and kept for the life of the
 * container (a Lambda container, the local gateway). A pointer naming `bundled` (a rollback
 * to it) or the bundled model's version needs no stored artifact.
 *
 * It never leaves a caller without a model: when the pointer cannot be read, or names a
 * version whose artifact is missing, invalid or of another version, it logs an error and
 * keeps serving the last good model (the bundled one if none was ever loaded), and tries
 * again after `refreshSeconds` rather than on every batch.
 */
export class ModelSource {
  readonly bundled: StatisticalModel;
  private readonly store: ModelSourceOptions['store'];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly refreshMs: number;
  private active: ActiveModel;
  private checkedAt: number | undefined;
  private refreshing: Promise<ActiveModel> | undefined;

  constructor(options: ModelSourceOptions) {
    this.bundled = options.bundled;
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.log;
    this.refreshMs = options.refreshSeconds * 1000;
    this.active = { model: options.bundled, source: 'bundled' };
  }

  /** The model to use now, re-reading the pointer first when `refreshSeconds` have passed. */
  async current(): Promise<ActiveModel> {
    const now = this.clock.now().getTime();
    if (this.checkedAt !== undefined && now - this.checkedAt < this.refreshMs) return this.active;
    // Concurrent callers (the local gateway's pollers share one source) wait for one read.
    this.refreshing ??= this.refresh(now).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refresh(now: number): Promise<ActiveModel> {
    let pointer: CurrentModel | undefined;
    try {
      pointer = await this.store.current();
      if (!pointer || pointer.version === BUNDLED_MODEL || pointer.version === this.bundled.version) {
        this.switchTo({ model: this.bundled, source: 'bundled', ...(pointer ? { pointer } : {}) });
      } else if (pointer.version === this.active.model.version) {
        this.active = { ...this.active, pointer };
      } else {
        const model = deserializeModel(await this.store.getArtifact(pointer.version));
        if (model.version !== pointer.version) {
          throw new ModelFormatError(
            `the artifact stored for ${pointer.version} holds model version ${model.version}`,
          );
        }
        this.switchTo({ model, source: 'promoted', pointer });
      }
    } catch (error) {
      this.log.error('could not load the current model version: still scanning with the last good model', {
        error,
        ...(pointer ? { wanted: pointer.version } : {}),
        using: this.active.model.version,
        retryInSeconds: this.refreshMs / 1000,
      });
    }
    // Also after a failure: a broken pointer is retried after refreshSeconds, not on every batch.
    this.checkedAt = now;
    return this.active;
  }

  private switchTo(next: ActiveModel): void {
    if (next.model.version !== this.active.model.version) {
      this.log.info('switched the statistical model', {
        from: this.active.model.version,
        to: next.model.version,
        source: next.source,
        ...(next.pointer ? { promotedBy: next.pointer.promotedBy, promotedAt: next.pointer.promotedAt } : {}),
      });
    }
    this.active = next;
  }
}

/**
 * The deps with `model` set to the current model, for one batch or request. Unchanged where
 * the function has no model source (it scans nothing).
 */
export async function withCurrentModel(deps: PipelineDeps): Promise<PipelineDeps> {
  if (!deps.modelSource) return deps;
  const { model } = await deps.modelSource.current();
  return model === deps.model ? deps : { ...deps, model };
}
