import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { withCurrentModel } from '../app/model-source.ts';
import { emitMetric } from '../app/operational-metrics.ts';
import type { Logger } from '../app/ports.ts';
import { formatDelay, retryDelaySeconds } from '../app/retry-backoff.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { trackingEvent } from '../app/tracking-event.ts';
import { isSettled } from '../core/tracking/recipient-outcome.ts';
import { flushMetrics } from './flush-metrics.ts';

export type PipelineStage = 'scan' | 'graymail' | 'action';

export interface StageDefinition<T> {
  readonly stage: PipelineStage;
  /** Reads the queue message; throws on a message that can never be processed. */
  readonly parse: (body: string) => T;
  readonly messageIdOf: (value: T) => string;
  readonly locationOf: (value: T) => { bucket: string; key: string };
  readonly run: (deps: PipelineDeps, value: T) => Promise<unknown>;
  /**
   * The stage scans: before each batch, `deps.model` is brought up to the current model
   * version (models/current.json, re-read at most every `model.refreshSeconds`).
   */
  readonly usesModel?: boolean;
}

/**
 * Wraps a stage use case as an SQS-triggered Lambda handler. Records are processed one by
 * one; a failed record is reported in `batchItemFailures` (the event source mapping has
 * ReportBatchItemFailures on) so only it is retried. On the last attempt the tracking record
 * is marked `error` with where the raw mail is and how to redrive, before SQS moves the
 * message to the stage's dead-letter queue. Nothing is deleted on failure.
 *
 * Per record it emits StageDurationMs and MessagesProcessed or StageFailures (plus
 * DeadLettered on the last attempt), with the stage as the `Stage` dimension; the metrics are
 * flushed once per invocation.
 */
export function createStageHandler<T>(getDeps: () => PipelineDeps, definition: StageDefinition<T>) {
  const stage = { Stage: definition.stage } as const;
  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const deps = definition.usesModel ? await withCurrentModel(getDeps()) : getDeps();
    const failed = (final: boolean): void => {
      emitMetric(deps.metrics, 'StageFailures', 1, stage);
      if (final) emitMetric(deps.metrics, 'DeadLettered', 1, stage);
    };
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const maxAttempts = maxAttemptsOf(deps, definition.stage);
    for (const record of event.Records) {
      const attempt = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      const base = deps.log.child({
        stage: definition.stage,
        sqsMessageId: record.messageId,
        attempt,
        ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      });
      let value: T;
      try {
        value = definition.parse(record.body);
      } catch (error) {
        base.error('unreadable queue message: it will reach the dead-letter queue', {
          error,
          body: record.body.slice(0, 500),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        failed(attempt >= maxAttempts);
        continue;
      }
      const messageId = definition.messageIdOf(value);
      const log = base.child({ messageId });
      const started = performance.now();
      try {
        await definition.run({ ...deps, log }, value);
        emitMetric(deps.metrics, 'StageDurationMs', performance.now() - started, stage);
        emitMetric(deps.metrics, 'MessagesProcessed', 1, stage);
      } catch (error) {
        emitMetric(deps.metrics, 'StageDurationMs', performance.now() - started, stage);
        batchItemFailures.push({ itemIdentifier: record.messageId });
        const final = attempt >= maxAttempts;
        failed(final);
        const delay = final ? undefined : await retryLater({ ...deps, log }, record, attempt);
        log.error(final ? 'stage failed on its last attempt: dead-lettering' : 'stage failed: will retry', {
          error,
          ...(delay === undefined ? {} : { retryInSeconds: delay }),
        });
        await recordFailure(
          { ...deps, log },
          definition,
          value,
          messageId,
          { attempt, maxAttempts, final, ...(delay === undefined ? {} : { delay }) },
          error as Error,
        );
      }
    }
    return { batchItemFailures };
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>().use(flushMetrics(getDeps)).handler(handler);
}

/** Delivery has its own, longer retry budget (pipeline.deliveryAttempts); the queue's redrive policy matches. */
export function maxAttemptsOf(deps: Pick<PipelineDeps, 'config'>, stage: PipelineStage): number {
  return stage === 'action' ? deps.config.pipeline.deliveryAttempts : deps.config.pipeline.maxReceiveCount;
}

/**
 * Spaces out the next attempt (see retry-backoff.ts): the record stays invisible for the
 * backoff instead of the queue's fixed visibility timeout. Returns the delay set, or
 * undefined when it could not be set (the queue's own timeout then applies: a retry comes
 * sooner, nothing is lost).
 */
async function retryLater(
  deps: PipelineDeps,
  record: SQSRecord,
  attempt: number,
): Promise<number | undefined> {
  if (!deps.queue.retryLater || !record.eventSourceARN || !record.receiptHandle) return undefined;
  const delay = retryDelaySeconds(attempt, deps.retryBackoff);
  try {
    await deps.queue.retryLater(record.eventSourceARN, record.receiptHandle, delay);
    return delay;
  } catch (error) {
    deps.log.warn('could not set the retry backoff: the queue visibility timeout applies', { error });
    return undefined;
  }
}

interface AttemptInfo {
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly final: boolean;
  /** Seconds until the next attempt, when the backoff was set. */
  readonly delay?: number;
}

async function recordFailure<T>(
  deps: PipelineDeps,
  definition: StageDefinition<T>,
  value: T,
  messageId: string,
  { attempt, maxAttempts, final, delay }: AttemptInfo,
  error: Error,
): Promise<void> {
  const { tracking, clock, log } = deps;
  const reason = `${error.name}: ${error.message}`.slice(0, 500);
  try {
    const record = await tracking.get(messageId);
    if (!record) {
      log.warn('no tracking record to note the failure in (the scan stage did not get far enough)');
      return;
    }
    if (!final) {
      await tracking.appendEvents(messageId, [
        trackingEvent(
          clock,
          'pipeline',
          'stage-failed',
          `${definition.stage} attempt ${attempt} of ${maxAttempts} failed: ${reason}; will retry` +
            (delay === undefined ? '' : ` in ${formatDelay(delay)}`),
        ),
      ]);
      return;
    }
    const { bucket, key } = definition.locationOf(value);
    // Recipients an earlier attempt finished, or the next hop refused for good, are not undone.
    const open = record.recipientStates.filter((r) => !isSettled(r)).map((r) => r.recipient);
    const event = trackingEvent(
      clock,
      'pipeline',
      'dead-lettered',
      `${definition.stage} failed ${attempt} times (${reason}); moved to the ${definition.stage} dead-letter queue. ` +
        `The raw mail is kept at s3://${bucket}/${key}; redrive the queue once the cause is fixed.`,
      open,
    );
    if (open.length > 0)
      await tracking.updateRecipients(messageId, open, { state: 'error', response: reason }, event);
    else await tracking.appendEvents(messageId, [event]);
  } catch (trackingError) {
    // The queue still holds the message; a tracking outage must not hide the original failure.
    (log as Logger).error('could not record the failure in tracking', { error: trackingError });
  }
}
