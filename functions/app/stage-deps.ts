import type { GraywallConfig } from '../core/config/schema.ts';
import type { StatisticalModel } from '../core/scan/statistical/model.ts';
import type { EngineInputs } from './engine-inputs.ts';
import type { ModelSource } from './model-source.ts';
import type { ModelStore } from './model-versions.ts';
import type {
  Bouncer,
  Clock,
  DeadLetterRedrive,
  DigestTrigger,
  ListsStore,
  Logger,
  MailStore,
  Metrics,
  QuarantineStore,
  RetrainTrigger,
  StageQueue,
  SubmissionStore,
  TrackingStore,
  Transport,
  TransportFactory,
} from './ports.ts';
import type { ReportsStore } from './reporting.ts';
import type { RetryBackoff } from './retry-backoff.ts';
import type { UnsubscribeDeps } from './safe-unsubscribe.ts';

/** Everything the pipeline stages and admin use cases need; built once per container. */
export interface PipelineDeps extends Omit<UnsubscribeDeps, 'config'> {
  readonly config: GraywallConfig;
  /** Relays, reputation lists, filters, DNS lists and external engines, compiled once per container. */
  readonly engineInputs: EngineInputs;
  /**
   * The statistical spam model this invocation scans with (absent where a function has no use
   * for it). Where `modelSource` is set, the entries replace it with the current version
   * before each batch or request (see withCurrentModel).
   */
  readonly model: StatisticalModel | undefined;
  /** Where the current model comes from: the bundled one, or the promoted version (cached). */
  readonly modelSource?: ModelSource;
  /** Stored model versions, their records and the current-version pointer (models/ in the mail bucket). */
  readonly models: ModelStore;
  readonly mail: MailStore;
  readonly tracking: TrackingStore;
  readonly quarantine: QuarantineStore;
  readonly lists: ListsStore;
  readonly reports: ReportsStore;
  /** Reports of misclassified mail, for training. */
  readonly submissions: SubmissionStore;
  /** Redrives dead-letter queues (`graywall redrive`); absent where nothing may. */
  readonly deadLetters?: DeadLetterRedrive;
  /** Starts a digest run in the background; absent where digests run in the request (locally). */
  readonly digestTrigger?: DigestTrigger;
  /** Starts a retraining run ("update now"); absent where nothing may start one. */
  readonly retrain?: RetrainTrigger;
  readonly queue: StageQueue;
  /** How failed stage records are spaced out (default AWS_RETRY_BACKOFF; short locally). */
  readonly retryBackoff?: RetryBackoff;
  /** The configured delivery target. */
  readonly transport: Transport;
  /** Transports to policy alternate hosts. */
  readonly transports: TransportFactory;
  readonly bouncer: Bouncer;
  readonly clock: Clock;
  readonly log: Logger;
  /** Operational metrics (CloudWatch EMF in Lambda); absent where nothing reads them (the CLI). */
  readonly metrics?: Metrics;
}

const DAY_MS = 86_400_000;

/** Epoch seconds `days` after `from`: the DynamoDB TTL attribute format. */
export function expiryEpochSeconds(from: Date, days: number): number {
  return Math.floor((from.getTime() + days * DAY_MS) / 1000);
}

export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}
