import middy from '@middy/core';
import { sendDigests } from '../app/digest.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { flushMetrics } from './flush-metrics.ts';
import { lambdaDeps } from './lambda-deps.ts';

/**
 * Runs on the digest schedule (EventBridge). A recipient whose digest could not be sent
 * fails the run, so Lambda retries the asynchronous invocation (twice by default); items already
 * sent are not listed again.
 */
export function createDigestHandler(getDeps: () => PipelineDeps) {
  const handler = middy().handler(async () => {
    const deps = getDeps();
    const run = await sendDigests(deps);
    deps.log.info('digests sent', { ...run });
    if (run.failed.length > 0)
      throw new Error(`digests for ${run.failed.length} recipient(s) could not be sent`);
    return run;
  });
  return handler.use(flushMetrics(getDeps));
}

export const handler = createDigestHandler(lambdaDeps);
