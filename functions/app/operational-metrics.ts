import type { SpamVerdict } from '../core/scan/types.ts';
import type { UnsubscribeState } from '../core/unsubscribe/request.ts';
import type { Metrics, MetricUnit } from './ports.ts';

/**
 * The catalogue of operational metrics: what the functions emit (through the Metrics port)
 * and what the dashboard and alarms read (lib/constructs/monitoring.ts), so the two cannot
 * drift apart. They are the operational view (throughput, failures, latency); the admin's
 * report keeps the business counts per day in DynamoDB (reporting.ts).
 */

/** The CloudWatch namespace every operational metric is published under. */
export const METRICS_NAMESPACE = 'Graywall';

/** The pipeline stages, as the `Stage` dimension names them. */
export const PIPELINE_STAGES = ['scan', 'graymail', 'action'] as const;
/** Where a metric was measured: a pipeline stage, or `release` (a quarantine release delivers too). */
export type MetricStage = (typeof PIPELINE_STAGES)[number] | 'release';
/** The jobs beside the pipeline, as the `Job` dimension names them. */
export type MetricJob = 'unsubscribe' | 'digest';
/** Every verdict, in the order the dashboard stacks them. */
export const SPAM_VERDICTS = [
  'clean',
  'suspect',
  'positive',
  'unscannable',
] as const satisfies readonly SpamVerdict[];

/** The values each dimension can take: a handful each, so the number of metrics stays small. */
interface DimensionValues {
  readonly Stage: MetricStage;
  readonly Verdict: SpamVerdict;
  readonly Job: MetricJob;
}
export type DimensionName = keyof DimensionValues;

export interface MetricDefinition {
  readonly unit: MetricUnit;
  /** The one dimension set the metric is always emitted with. */
  readonly dimensions: readonly DimensionName[];
  readonly description: string;
}

export const OPERATIONAL_METRICS = {
  // Every pipeline stage (the SQS handler wrapper), per queue record.
  MessagesProcessed: {
    unit: 'Count',
    dimensions: ['Stage'],
    description: 'Queue records the stage finished',
  },
  StageFailures: {
    unit: 'Count',
    dimensions: ['Stage'],
    description: 'Failed attempts at a queue record (retried until the last attempt)',
  },
  DeadLettered: {
    unit: 'Count',
    dimensions: ['Stage'],
    description: "Records that failed their last attempt and go to the stage's dead-letter queue",
  },
  StageDurationMs: {
    unit: 'Milliseconds',
    dimensions: ['Stage'],
    description: 'Time the stage spent on one queue record',
  },
  // The scan stage.
  ScanDurationMs: {
    unit: 'Milliseconds',
    dimensions: ['Stage'],
    description: 'Scan of one message: parsing, rules, statistics and external engines',
  },
  Verdicts: {
    unit: 'Count',
    dimensions: ['Stage', 'Verdict'],
    description: 'Scanned messages by verdict',
  },
  // The action stage (and releases from quarantine), per recipient like the report's counters.
  Delivered: {
    unit: 'Count',
    dimensions: ['Stage'],
    description: 'Recipients delivered to (Stage=release: released from quarantine)',
  },
  Quarantined: { unit: 'Count', dimensions: ['Stage'], description: 'Recipients quarantined for' },
  Dropped: {
    unit: 'Count',
    dimensions: ['Stage'],
    description: 'Recipients dropped for (including bounces refused as backscatter)',
  },
  Bounced: { unit: 'Count', dimensions: ['Stage'], description: 'Recipients bounced to the sender' },
  DeliveryFailures: {
    unit: 'Count',
    dimensions: ['Stage'],
    description:
      'Recipients a delivery failed for: the transport failed (retried) or the next hop refused them',
  },
  // Safe unsubscribe (the pages and the retry job) and the quarantine digest.
  Attempts: {
    unit: 'Count',
    dimensions: ['Job'],
    description: 'Unsubscribe attempts on a request; digests composed for a recipient',
  },
  Succeeded: { unit: 'Count', dimensions: ['Job'], description: 'Unsubscribes that succeeded' },
  Failed: {
    unit: 'Count',
    dimensions: ['Job'],
    description:
      'Unsubscribe attempts that failed (retried until the retry window closes); digests that could not be sent',
  },
  Refused: {
    unit: 'Count',
    dimensions: ['Job'],
    description: "Unsubscribes refused: none of the message's links passed the safety checks",
  },
  DigestsSent: { unit: 'Count', dimensions: ['Job'], description: 'Quarantine digests sent' },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof OPERATIONAL_METRICS;

/** The dimensions a metric is emitted with: exactly its catalogued set, with typed values. */
export type DimensionsOf<N extends MetricName> = {
  readonly [K in (typeof OPERATIONAL_METRICS)[N]['dimensions'][number]]: DimensionValues[K];
};

/**
 * Adds one value of a catalogued metric. Nothing happens without a Metrics port (the CLI,
 * most tests), and metrics never stop mail: a value that cannot be recorded is dropped.
 */
export function emitMetric<N extends MetricName>(
  metrics: Metrics | undefined,
  name: N,
  value: number,
  dimensions: DimensionsOf<N>,
): void {
  if (!metrics || !Number.isFinite(value)) return;
  try {
    metrics.add(name, OPERATIONAL_METRICS[name].unit, value, dimensions);
  } catch {
    // Diagnostics only: the message is handled whether or not its metric is.
  }
}

/** One unsubscribe attempt on a request, by the state it left the request in. */
export function recordUnsubscribeAttempt(metrics: Metrics | undefined, state: UnsubscribeState): void {
  const job = { Job: 'unsubscribe' } as const;
  emitMetric(metrics, 'Attempts', 1, job);
  if (state === 'succeeded') emitMetric(metrics, 'Succeeded', 1, job);
  else if (state === 'refused') emitMetric(metrics, 'Refused', 1, job);
  // Still in progress (retried later) or failed for good: this attempt did not succeed.
  else emitMetric(metrics, 'Failed', 1, job);
}
