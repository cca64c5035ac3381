import type { GraywallConfig } from '../core/config/schema.ts';
import { ConfigError } from '../core/errors.ts';
import { BUNDLED_MODEL } from '../core/models/model-record.ts';
import { deserializeModel, ModelFormatError, type StatisticalModel } from '../core/scan/statistical/model.ts';
import type { Submission } from '../core/submissions/submission.ts';
import { extractMessageFeatures } from '../core/training/message-features.ts';
import { retrainModel, type SubmissionFeatures, splitSubmissions } from '../core/training/retrain-model.ts';
import { type SpamLabel, spamLabelOf } from '../core/training/submission-examples.ts';
import type { CurrentModel, ModelEvaluation, ModelStore, ModelVersionRecord } from './model-versions.ts';
import type { Clock, Logger, RetrainRequest, SubmissionStore, TrainingBaseSource } from './ports.ts';
import type { PipelineDeps } from './stage-deps.ts';

/**
 * The retraining job (the scheduled retrain function, and "update now"): builds a new version
 * of the statistical model from the base corpus plus every submission that says something
 * about spam, evaluates it against the model in service on held-out messages, stores it with
 * its record, and promotes it only when it is no worse on false positives (and catches about
 * as much spam). The running functions pick a promoted version up within
 * `model.refreshSeconds` (see ModelSource).
 *
 * Every run trains from scratch on all such submissions, so the newest version holds every
 * report so far. A run builds nothing when no submission to train on arrived since the
 * current version, or when this exact set was trained on before (that version was refused, or
 * rolled back: building it again would give the same model and the same answer).
 */
export interface RetrainDeps {
  readonly config: GraywallConfig;
  readonly models: ModelStore;
  readonly submissions: SubmissionStore;
  readonly trainingBase: TrainingBaseSource;
  /** The model shipped with the function: current while no version is promoted. */
  readonly bundledModel: StatisticalModel;
  readonly clock: Clock;
  readonly log: Logger;
}

/** What the submissions on file amount to for the spam model. */
export interface SubmissionCounts {
  /** Reports with a spam label: missed spam, missed phishing, not spam. */
  readonly eligible: number;
  /** Of those, trained on (4 in 5, by id). */
  readonly trainable: number;
  /** Of those, held out for evaluation (1 in 5, by id). */
  readonly heldOut: number;
  /** Graymail reports (missed-marketing, not-marketing): kept, not used by the spam model. */
  readonly graymailOnly: number;
}

export type RetrainOutcome =
  | {
      readonly status: 'nothing-new';
      /** The version in service, left as it is. */
      readonly current: string;
      readonly reason: string;
      readonly submissions: SubmissionCounts;
    }
  | {
      /** `pending`: passed the held-out check, waits for `graywall model promote` (model.promotion: manual). */
      readonly status: 'promoted' | 'pending' | 'refused';
      readonly version: string;
      /** The version it was compared with (in service when the run started). */
      readonly current: string;
      readonly reason: string;
      readonly evaluation: ModelEvaluation;
      readonly baselineEvaluation: ModelEvaluation;
      readonly trained: readonly string[];
      readonly heldOut: readonly string[];
      /** Submissions whose message could not be read or parsed, and why (left out). */
      readonly skipped: readonly { readonly id: string; readonly reason: string }[];
      readonly submissions: SubmissionCounts;
      readonly seconds: number;
    };

export const RETRAIN_JOB = 'retrain job';

export async function runRetrain(deps: RetrainDeps, request: RetrainRequest): Promise<RetrainOutcome> {
  const { models, log } = deps;
  const started = deps.clock.now();
  const pointer = await models.current();
  const current = await currentModel(deps, pointer);
  const currentRecord =
    current.version === deps.bundledModel.version ? undefined : await models.getRecord(current.version);

  const all = (await readSubmissions(deps.submissions)).filter((s) => !s.withdrawn);
  const { labelled, dropped } = oneReportPerMessage(all);
  const { trained: trainable, heldOut } = splitSubmissions(labelled);
  const counts: SubmissionCounts = {
    eligible: labelled.length,
    trainable: trainable.length,
    heldOut: heldOut.length,
    graymailOnly: all.filter((s) => !spamLabelOf(s.category)).length,
  };

  const nothingNew = await whyNothingNew(deps, current.version, currentRecord, trainable, heldOut, counts);
  if (nothingNew) {
    log.info('retrain: nothing new to train on', { current: current.version, reason: nothingNew, ...counts });
    return { status: 'nothing-new', current: current.version, reason: nothingNew, submissions: counts };
  }

  const base = await deps.trainingBase.load();
  const skipped: { id: string; reason: string }[] = [...dropped];
  const features: SubmissionFeatures[] = [];
  for (const { id, label, splitKey } of labelled) {
    const read = await submissionFeatures(deps.submissions, id, label);
    if ('reason' in read) skipped.push({ id, reason: read.reason });
    else features.push(splitKey ? { ...read, splitKey } : read);
  }
  const antispam = deps.config.antispam;
  const result = retrainModel({
    base,
    submissions: features,
    current,
    reference: deps.bundledModel,
    scoring: {
      suspectThreshold: antispam.suspectThreshold,
      positiveThreshold: antispam.positiveThreshold,
      profile: antispam.profile,
      ruleScores: antispam.ruleScores,
      composites: antispam.composites,
    },
  });
  const version = result.candidate.version;
  const existing = await models.getRecord(version);
  if (version === current.version || (existing && existing.status !== 'candidate')) {
    // Only when every new submission was unreadable: the training set is one seen before.
    const reason = `the submissions that could be read were already trained on in ${version}${skipped.length > 0 ? ` (${skipped.length} could not be read)` : ''}`;
    log.info('retrain: nothing new to train on', { current: current.version, reason, ...counts });
    return { status: 'nothing-new', current: current.version, reason, submissions: counts };
  }

  const now = deps.clock.now().toISOString();
  const passed = result.decision.promote;
  const promote = passed && deps.config.model.promotion === 'automatic';
  const status = promote ? 'promoted' : passed ? 'pending' : 'refused';
  const summary = `trained on ${describeLabels(features, result.trained)}, ${result.heldOut.length} held out`;
  const record: ModelVersionRecord = {
    version,
    createdAt: now,
    createdBy: `${RETRAIN_JOB} (${request.requestedBy})`,
    baseVersion: current.version,
    status,
    statusReason:
      status === 'pending'
        ? `pending: passed the held-out check (${result.decision.reason}); ${summary}; put it into service with \`graywall model promote ${version}\``
        : `${status}: ${result.decision.reason}; ${summary}`,
    evaluation: result.evaluation,
    baselineEvaluation: result.baselineEvaluation,
    submissions: result.trained,
    heldOutSubmissions: result.heldOut,
  };
  const artifact = `${JSON.stringify(result.artifact)}\n`;
  if (promote) {
    // Stored as a candidate first, then the pointer, then the record says promoted: a run that
    // dies in between leaves a candidate, which the next run builds and promotes again.
    await models.putVersion(
      { ...record, status: 'candidate', statusReason: 'evaluated; promoting' },
      artifact,
    );
    const next: CurrentModel = {
      version,
      promotedAt: now,
      promotedBy: RETRAIN_JOB,
      previous: current.version,
    };
    await models.setCurrent(next);
    await models.updateRecord(record);
    if (currentRecord) {
      await models.updateRecord({
        ...currentRecord,
        status: 'retired',
        statusReason: `retired at ${now}: replaced by ${version} (${RETRAIN_JOB})`,
      });
    }
  } else {
    await models.putVersion(record, artifact);
  }
  const seconds = Math.round((deps.clock.now().getTime() - started.getTime()) / 100) / 10;
  log.info(`retrain: ${version} ${status}`, {
    version,
    current: current.version,
    requestedBy: request.requestedBy,
    reason: result.decision.reason,
    evaluation: result.evaluation,
    baselineEvaluation: result.baselineEvaluation,
    trained: result.trained.length,
    heldOut: result.heldOut.length,
    skipped,
    seconds,
  });
  return {
    status,
    version,
    current: current.version,
    reason: record.statusReason as string,
    evaluation: result.evaluation,
    baselineEvaluation: result.baselineEvaluation,
    trained: result.trained,
    heldOut: result.heldOut,
    skipped,
    submissions: counts,
    seconds,
  };
}

/** The answer to "update now": the run started; what it will do and where to see the outcome. */
export interface RetrainAccepted {
  readonly status: 'accepted';
  readonly requestedBy: string;
  /** Where the run happens (the retrain function, or the local gateway). */
  readonly detail: string;
  readonly next: string;
}

/** "Update now": starts a retraining run in the background for an admin. */
export async function requestRetrain(
  deps: Pick<PipelineDeps, 'retrain' | 'log'>,
  principal: string,
): Promise<RetrainAccepted> {
  if (!deps.retrain)
    throw new ConfigError('this function cannot start a retraining run (no retrain function)');
  const requestedBy = `update now by ${principal}`;
  const { detail } = await deps.retrain.start({ requestedBy });
  deps.log.info('retraining requested', { requestedBy });
  return {
    status: 'accepted',
    requestedBy,
    detail,
    next:
      'It trains a new model version on the base corpus and every spam, phishing and not-spam submission, ' +
      'and checks it on held-out mail: a version no worse there waits for `graywall model promote` ' +
      '(or goes into service at once with model.promotion: automatic); nothing is built when no submission ' +
      'arrived since the current version. `graywall model history` shows the version (pending, promoted or ' +
      'refused, and why) once it is done, `graywall submissions` which reports it used.',
  };
}

/** The model in service: the stored version the pointer names, else the bundled one. */
async function currentModel(deps: RetrainDeps, pointer: CurrentModel | undefined): Promise<StatisticalModel> {
  const bundled = deps.bundledModel;
  if (!pointer || pointer.version === BUNDLED_MODEL || pointer.version === bundled.version) return bundled;
  // No fallback to the bundled model: comparing a candidate with a model that is not the one
  // in service could promote a worse one. The run fails and says why.
  const model = deserializeModel(await deps.models.getArtifact(pointer.version));
  if (model.version !== pointer.version)
    throw new ModelFormatError(
      `the artifact stored for ${pointer.version} holds model version ${model.version}`,
    );
  return model;
}

/**
 * The reports the spam model learns from: those with a spam label, one per message. The same
 * message reported again (a forward carrying it ten times, a second `graywall submit`) counts
 * once, the earliest report; a message reported both as spam and as not spam is left out
 * altogether: people disagree, and either label could be the wrong one.
 */
function oneReportPerMessage(all: readonly Submission[]): {
  labelled: Array<{ id: string; label: SpamLabel; splitKey?: string }>;
  dropped: Array<{ id: string; reason: string }>;
} {
  const byMessage = new Map<string, Array<{ id: string; label: SpamLabel }>>();
  for (const s of [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const label = spamLabelOf(s.category);
    if (!label) continue;
    const key = s.digest ?? `id:${s.id}`;
    byMessage.set(key, [...(byMessage.get(key) ?? []), { id: s.id, label }]);
  }
  const labelled: Array<{ id: string; label: SpamLabel; splitKey?: string }> = [];
  const dropped: Array<{ id: string; reason: string }> = [];
  for (const [key, reports] of byMessage) {
    const [first, ...rest] = reports as [
      { id: string; label: SpamLabel },
      ...{ id: string; label: SpamLabel }[],
    ];
    if (rest.some((r) => r.label !== first.label)) {
      const ids = reports.map((r) => r.id).join(', ');
      for (const r of reports)
        dropped.push({
          id: r.id,
          reason: `the same message was reported both as spam and as not spam (${ids}): left out`,
        });
      continue;
    }
    labelled.push({ ...first, ...(key.startsWith('id:') ? {} : { splitKey: key }) });
    for (const r of rest) dropped.push({ id: r.id, reason: `the same message as ${first.id}: counted once` });
  }
  return { labelled, dropped };
}

async function readSubmissions(store: SubmissionStore): Promise<Submission[]> {
  const out: Submission[] = [];
  for (const id of await store.ids()) {
    const submission = await store.get(id);
    if (submission) out.push(submission);
  }
  return out;
}

async function whyNothingNew(
  deps: RetrainDeps,
  currentVersion: string,
  currentRecord: ModelVersionRecord | undefined,
  trainable: readonly { readonly id: string }[],
  heldOut: readonly { readonly id: string }[],
  counts: SubmissionCounts,
): Promise<string | undefined> {
  const inCurrent = new Set(currentRecord?.submissions ?? []);
  const waiting = `${counts.heldOut} held out for evaluation, ${counts.graymailOnly} graymail reports (not for the spam model)`;
  if (trainable.every((s) => inCurrent.has(s.id))) {
    // New reports that all fell in the held-out fifth evaluate versions but train none: say so.
    const heldBefore = new Set(currentRecord?.heldOutSubmissions ?? []);
    const newlyHeld = heldOut.filter((s) => !heldBefore.has(s.id)).map((s) => s.id);
    const held =
      newlyHeld.length > 0
        ? `; the new report(s) ${newlyHeld.join(', ')} are held out: they evaluate versions and train none`
        : '';
    return `no new submissions to train on since ${currentVersion} (${counts.trainable} to train on, ${waiting})${held}`;
  }
  const ids = trainable.map((s) => s.id).join('\n');
  const earlier = (await deps.models.listVersions()).find(
    (r) => r.status !== 'candidate' && [...r.submissions].sort().join('\n') === ids,
  );
  if (earlier) {
    const reason = earlier.statusReason ?? '';
    const why = reason.startsWith(earlier.status)
      ? reason
      : [earlier.status, reason].filter(Boolean).join(': ');
    return `these ${trainable.length} submissions were already trained on in ${earlier.version} (${why})`;
  }
  return undefined;
}

async function submissionFeatures(
  store: SubmissionStore,
  id: string,
  label: SpamLabel,
): Promise<SubmissionFeatures | { reason: string }> {
  try {
    const raw = await store.raw(id);
    return { id, label, ...(await extractMessageFeatures(raw)) };
  } catch (error) {
    return { reason: (error as Error).message ?? String(error) };
  }
}

function describeLabels(features: readonly SubmissionFeatures[], trained: readonly string[]): string {
  const ids = new Set(trained);
  const spam = features.filter((f) => ids.has(f.id) && f.label === 'spam').length;
  return `${trained.length} submissions (${spam} spam, ${trained.length - spam} not spam)`;
}
