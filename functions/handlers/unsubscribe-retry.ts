import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { retryDueUnsubscribes } from '../app/safe-unsubscribe.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { flushMetrics } from './flush-metrics.ts';
import { lambdaDeps } from './lambda-deps.ts';

/**
 * Runs on a schedule (EventBridge): retries every unsubscribe whose first attempt failed,
 * until its retry window closes and it is reported as failed. It starts no attempt it could
 * not finish before the function's timeout; the rest wait for the next run.
 */
export function createUnsubscribeRetryHandler(getDeps: () => PipelineDeps) {
  const handler = middy<unknown, { retried: number }, Error, Context>().handler(async (_event, context) => {
    const deps = getDeps();
    const retried = await retryDueUnsubscribes(
      deps,
      context?.getRemainingTimeInMillis ? { remainingMs: () => context.getRemainingTimeInMillis() } : {},
    );
    deps.log.info('unsubscribe retries done', { retried });
    return { retried };
  });
  return handler.use(flushMetrics(getDeps));
}

export const handler = createUnsubscribeRetryHandler(lambdaDeps);
