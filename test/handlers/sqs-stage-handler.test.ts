import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../functions/adapters/memory-metrics.ts';
import type { Metrics } from '../../functions/app/ports.ts';
import type { PipelineDeps } from '../../functions/app/stage-deps.ts';
import { createGraymailHandler } from '../../functions/handlers/graymail.ts';
import { createStageHandler, type StageDefinition } from '../../functions/handlers/sqs-stage-handler.ts';
import { memoryLogger, testConfig } from '../support/gateway-harness.ts';

const context = { awsRequestId: 'aws-req' } as Context;

/** The config says maxReceiveCount 3: the third receive is the last attempt. */
const LAST_ATTEMPT = 3;

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:111122223333:graywall-action';

function record(messageId: string, body: string, receiveCount: number): SQSRecord {
  return {
    messageId,
    body,
    receiptHandle: `handle-${messageId}`,
    eventSourceARN: QUEUE_ARN,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  } as SQSRecord;
}

function batch(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/**
 * Just enough of the pipeline's dependencies for the wrapper: no tracking record exists (the
 * failure is then only logged), and metrics are kept in memory with their flushes counted.
 */
function fakeDeps() {
  const { log, lines } = memoryLogger();
  const metrics = new InMemoryMetrics();
  let flushes = 0;
  const counted: Metrics = {
    add: (...args) => metrics.add(...args),
    flush: () => {
      flushes += 1;
      metrics.flush();
    },
  };
  const retries: Array<[string, string, number]> = [];
  const deps = {
    config: testConfig(),
    log,
    clock: { now: () => new Date('2026-11-25T12:00:00Z') },
    tracking: { get: async () => undefined },
    metrics: counted,
    queue: {
      send: async () => undefined,
      retryLater: async (arn: string, handle: string, seconds: number) => {
        retries.push([arn, handle, seconds]);
      },
    },
  } as unknown as PipelineDeps;
  return { deps, lines, metrics, flushes: () => flushes, retries };
}

/** An action stage whose run fails for bodies that say so. */
const definition: StageDefinition<{ id: string; fail: boolean }> = {
  stage: 'action',
  parse: (body) => JSON.parse(body) as { id: string; fail: boolean },
  messageIdOf: (value) => value.id,
  locationOf: () => ({ bucket: 'mail', key: 'incoming/x' }),
  run: async (_deps, value) => {
    if (value.fail) throw new Error('downstream host refused the connection');
  },
};

describe('the SQS stage handler retry backoff', () => {
  it('holds a failed record back for 1 minute after the first attempt, doubling per attempt, and not after the last', async () => {
    const { deps, retries, lines } = fakeDeps();
    const handler = createStageHandler(() => deps, definition);
    await handler(
      batch(
        record('r-1', '{"id":"m-1","fail":true}', 1),
        record('r-2', '{"id":"m-2","fail":true}', 2),
        record('r-last', '{"id":"m-3","fail":true}', LAST_ATTEMPT),
        record('r-ok', '{"id":"m-4","fail":false}', 1),
      ),
      context,
    );
    // The last attempt is left to the queue's redrive policy (dead letter on the next receive).
    expect(retries).toEqual([
      [QUEUE_ARN, 'handle-r-1', 60],
      [QUEUE_ARN, 'handle-r-2', 120],
    ]);
    expect(
      lines.find((l) => l.message === 'stage failed: will retry' && l.messageId === 'm-2'),
    ).toMatchObject({
      retryInSeconds: 120,
    });
  });

  it('still reports the failure when the backoff cannot be set (the queue timeout then applies)', async () => {
    const { deps, lines } = fakeDeps();
    const broken = {
      ...deps,
      queue: {
        send: async () => undefined,
        retryLater: async () => {
          throw new Error('AccessDenied');
        },
      },
    } as PipelineDeps;
    const handler = createStageHandler(() => broken, definition);
    const response = await handler(batch(record('r-1', '{"id":"m-1","fail":true}', 1)), context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'r-1' }]);
    expect(lines.map((l) => l.message)).toContain(
      'could not set the retry backoff: the queue visibility timeout applies',
    );
  });
});

describe('the SQS stage handler metrics', () => {
  it('counts a processed record and its duration under the stage', async () => {
    // Prepare
    const { deps, metrics } = fakeDeps();
    const handler = createStageHandler(() => deps, definition);
    // Act
    const response = await handler(batch(record('r-1', '{"id":"m-1","fail":false}', 1)), context);
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(metrics.sum('MessagesProcessed', { Stage: 'action' })).toBe(1);
    expect(metrics.count('StageDurationMs', { Stage: 'action' })).toBe(1);
    expect(metrics.sum('StageFailures')).toBe(0);
    expect(metrics.sum('DeadLettered')).toBe(0);
  });

  it('counts a failed attempt that will be retried as a stage failure, not as dead-lettered', async () => {
    const { deps, metrics } = fakeDeps();
    const handler = createStageHandler(() => deps, definition);
    const response = await handler(
      batch(record('r-1', '{"id":"m-1","fail":true}', LAST_ATTEMPT - 1)),
      context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'r-1' }] });
    expect(metrics.sum('StageFailures', { Stage: 'action' })).toBe(1);
    expect(metrics.sum('DeadLettered')).toBe(0);
    expect(metrics.sum('MessagesProcessed')).toBe(0);
    expect(metrics.count('StageDurationMs', { Stage: 'action' })).toBe(1);
  });

  it('counts DeadLettered for the record that failed its last attempt, and only for it', async () => {
    // Prepare: one record on its last attempt, one on its first, one that succeeds.
    const { deps, metrics, lines } = fakeDeps();
    const handler = createStageHandler(() => deps, definition);
    // Act
    const response = await handler(
      batch(
        record('r-last', '{"id":"m-1","fail":true}', LAST_ATTEMPT),
        record('r-first', '{"id":"m-2","fail":true}', 1),
        record('r-ok', '{"id":"m-3","fail":false}', 1),
      ),
      context,
    );
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'r-last' }, { itemIdentifier: 'r-first' }]);
    expect(metrics.series().filter((series) => series.name !== 'StageDurationMs')).toEqual([
      { name: 'StageFailures', unit: 'Count', dimensions: { Stage: 'action' }, count: 2, sum: 2, max: 1 },
      { name: 'DeadLettered', unit: 'Count', dimensions: { Stage: 'action' }, count: 1, sum: 1, max: 1 },
      { name: 'MessagesProcessed', unit: 'Count', dimensions: { Stage: 'action' }, count: 1, sum: 1, max: 1 },
    ]);
    // The log says the same for the one being dead-lettered.
    expect(
      lines.filter((line) => line.message === 'stage failed on its last attempt: dead-lettering'),
    ).toEqual([expect.objectContaining({ messageId: 'm-1', attempt: LAST_ATTEMPT })]);
  });

  it('counts an unreadable record as dead-lettered on its last attempt (a real stage handler)', async () => {
    const { deps, metrics } = fakeDeps();
    const handler = createGraymailHandler(() => deps);
    await handler(batch(record('r-1', 'not json', 1), record('r-2', 'not json', LAST_ATTEMPT)), context);
    expect(metrics.sum('StageFailures', { Stage: 'graymail' })).toBe(2);
    expect(metrics.sum('DeadLettered', { Stage: 'graymail' })).toBe(1);
    // Never parsed, never run: no duration to report.
    expect(metrics.count('StageDurationMs')).toBe(0);
  });

  it('flushes the metrics once per invocation, also when the invocation itself fails', async () => {
    const { deps, flushes } = fakeDeps();
    const handler = createStageHandler(() => deps, definition);
    await handler(
      batch(record('r-1', '{"id":"m-1","fail":false}', 1), record('r-2', '{"id":"m-2"}', 1)),
      context,
    );
    expect(flushes()).toBe(1);
    // A body without an id makes the wrapper itself throw (outside the per-record handling).
    const broken = createStageHandler(() => deps, {
      ...definition,
      messageIdOf: () => {
        throw new TypeError('no id');
      },
    });
    await expect(broken(batch(record('r-3', '{"id":"m-3"}', 1)), context)).rejects.toThrow('no id');
    expect(flushes()).toBe(2);
  });

  it('handles records as before when the deps carry no metrics', async () => {
    const { deps } = fakeDeps();
    const handler = createStageHandler(() => ({ ...deps, metrics: undefined }), definition);
    const response = await handler(batch(record('r-1', '{"id":"m-1","fail":true}', LAST_ATTEMPT)), context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'r-1' }] });
  });
});
