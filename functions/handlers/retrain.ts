import { join } from 'node:path';
import middy from '@middy/core';
import type { RetrainEvent } from '../adapters/lambda-triggers.ts';
import { loadTrainingBaseFile } from '../adapters/training-base-file.ts';
import type { RetrainRequest } from '../app/ports.ts';
import { type RetrainDeps, type RetrainOutcome, runRetrain } from '../app/retrain.ts';
import { ConfigError } from '../core/errors.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { BUNDLED_TRAINING_BASE_FILE } from './lambda-env.ts';

let cached: RetrainDeps | undefined;

/** The retrain function's dependencies: the common ones, the bundled model and the training base beside the bundle. */
export function retrainLambdaDeps(env: NodeJS.ProcessEnv = process.env): RetrainDeps {
  if (cached) return cached;
  const deps = lambdaDeps(env);
  if (!deps.model)
    throw new ConfigError('the retrain function ships no statistical model (graywall-model.json)');
  const path = join(env.LAMBDA_TASK_ROOT ?? process.cwd(), BUNDLED_TRAINING_BASE_FILE);
  cached = {
    config: deps.config,
    models: deps.models,
    submissions: deps.submissions,
    // Read on first use: a run that finds nothing new never decodes the 2.4 MB base.
    trainingBase: { load: async () => loadTrainingBaseFile(path) },
    bundledModel: deps.model,
    clock: deps.clock,
    log: deps.log,
  };
  return cached;
}

/**
 * Runs on the `model.retrainSchedule` (EventBridge: a scheduled event, no requestedBy) and when
 * an admin asks for "update now" (the admin function invokes it asynchronously with
 * `{ requestedBy: "update now by <principal>" }`). A run that fails throws, so Lambda retries
 * the asynchronous invocation and the function's error alarm sees it; a refused candidate is an
 * outcome, not a failure.
 */
export function createRetrainHandler(getDeps: () => RetrainDeps) {
  return middy<unknown, RetrainOutcome>().handler(async (event) =>
    runRetrain(getDeps(), retrainRequest(event)),
  );
}

/** Who asked, from the event: only a string requestedBy is taken, cut to a sane length. */
export function retrainRequest(event: unknown): RetrainRequest {
  const requestedBy = (event as RetrainEvent | null)?.requestedBy;
  return {
    requestedBy:
      typeof requestedBy === 'string' && requestedBy.length > 0 ? requestedBy.slice(0, 400) : 'schedule',
  };
}

export const handler = createRetrainHandler(retrainLambdaDeps);
