import middy from '@middy/core';
import { retryDueUnsubscribes } from '../app/safe-unsubscribe.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { flushMetrics } from './flush-metrics.ts';
import { lambdaDeps } from './lambda-deps.ts';

/**
 * Runs on a schedule (EventBridge): retries every unsubscribe whose first attempt failed,
 * until its retry window closes and it is reported as failed.
 */
export function createUnsubscribeRetryHandler(getDeps: () => PipelineDeps) {
  const handler = middy().handler(async () => {
    const deps = getDeps();
    const retried = await retryDueUnsubscribes(deps);
    deps.log.info('unsubscribe retries done', { retried });
    return { retried };
  });
  return handler.use(flushMetrics(getDeps));
}

export const handler = createUnsubscribeRetryHandler(lambdaDeps);
