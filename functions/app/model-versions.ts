import type { HeldOutEvaluation } from '../core/training/evaluate.ts';

/**
 * Versions of the statistical model beyond the one bundled with the functions: retrained
 * ones, which one is current, and their history. The running functions pick up the current
 * version without a redeploy; the bundled artifact is current until a version is promoted.
 *
 * S3 layout in the mail bucket (see S3ModelStore):
 *   models/versions/<version>.json          the artifact (serializeModel output)
 *   models/versions/<version>.record.json   its ModelVersionRecord
 *   models/current.json                     the CurrentModel pointer (absent: the bundled model)
 */

/**
 * Figures of one model on the held-out messages (base corpus held-out part plus held-out
 * submissions), as the promotion rule compares them: the core's evaluation, stored as is.
 */
export type ModelEvaluation = HeldOutEvaluation;

/**
 * `candidate`: being stored (a run that died leaves one); `pending`: passed the held-out check
 * and awaits an admin (model.promotion: manual); `promoted`: in service; `refused`: failed the
 * check; `retired`: was in service, replaced.
 */
export type ModelVersionStatus = 'candidate' | 'pending' | 'promoted' | 'refused' | 'retired';

export interface ModelVersionRecord {
  /** The artifact's own version (StatisticalModel.version), e.g. "stat1-1a2b3c4d". */
  readonly version: string;
  readonly createdAt: string;
  /** Who or what built it: "retrain job (schedule)", "retrain job (update now by <principal>)". */
  readonly createdBy: string;
  /** The version it was trained to replace (the current one at the time). */
  readonly baseVersion: string;
  readonly status: ModelVersionStatus;
  /** Why it was promoted or refused, in a sentence ("no worse on false positives: ..."). */
  readonly statusReason?: string;
  readonly evaluation?: ModelEvaluation;
  /** The same figures for the model it was compared with. */
  readonly baselineEvaluation?: ModelEvaluation;
  /** Submission ids whose messages were trained on. */
  readonly submissions: readonly string[];
  /** Submission ids held out: evaluated on (in `evaluation`), never trained on. */
  readonly heldOutSubmissions?: readonly string[];
}

export interface CurrentModel {
  /**
   * The current version. After a rollback to the bundled model (`graywall model rollback
   * bundled`) it is the word "bundled" (BUNDLED_MODEL in core/models/model-record.ts): the
   * model shipped with the running deployment, nothing stored under models/versions/.
   * Readers map it (and the bundled artifact's own version) to the bundled model first.
   */
  readonly version: string;
  readonly promotedAt: string;
  /** "retrain job" or the IAM principal who rolled back. */
  readonly promotedBy: string;
  /** The version that was current before, for history and rollback. */
  readonly previous?: string;
}

export interface ModelStore {
  /** Stores the artifact, then its record (only a stored record makes the version exist). */
  putVersion(record: ModelVersionRecord, artifact: string): Promise<void>;
  /** The artifact text; NotFoundError when the version is not stored. */
  getArtifact(version: string): Promise<string>;
  getRecord(version: string): Promise<ModelVersionRecord | undefined>;
  /** Replaces a version's record (status changes). */
  updateRecord(record: ModelVersionRecord): Promise<void>;
  /** Every stored version's record, newest first. */
  listVersions(): Promise<ModelVersionRecord[]>;
  /**
   * The pointer; undefined while no version was ever made current (the bundled model is).
   * S3ModelStore throws InvalidModelPointerError (core/models/model-record.ts) for a pointer
   * that exists but does not validate.
   */
  current(): Promise<CurrentModel | undefined>;
  setCurrent(pointer: CurrentModel): Promise<void>;
}
