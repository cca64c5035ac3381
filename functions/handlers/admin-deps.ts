import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaDigestTrigger, LambdaRetrainTrigger } from '../adapters/lambda-triggers.ts';
import { parseDeadLetterQueues, SqsMoveTaskRedrive } from '../adapters/sqs-move-task.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { ENV } from './lambda-env.ts';

let cached: { readonly base: PipelineDeps; readonly deps: PipelineDeps } | undefined;

/**
 * The admin function's dependencies: every function's (lambdaDeps) plus "update now", an
 * asynchronous invocation of the retrain function named in its environment, and the
 * dead-letter redrive (SQS message move tasks). Kept apart from
 * lambdaDeps so that the other functions' bundles do not carry the Lambda client.
 */
export function adminLambdaDeps(env: NodeJS.ProcessEnv = process.env): PipelineDeps {
  const base = lambdaDeps(env);
  if (cached?.base === base) return cached.deps;
  const name = env[ENV.retrainFunction];
  const deadLetterQueues = parseDeadLetterQueues(env[ENV.deadLetterQueues]);
  const digest = env[ENV.digestFunction];
  const lambda = name || digest ? new LambdaClient({}) : undefined;
  const deps: PipelineDeps = {
    ...base,
    ...(name && lambda ? { retrain: new LambdaRetrainTrigger(lambda, name) } : {}),
    ...(digest && lambda ? { digestTrigger: new LambdaDigestTrigger(lambda, digest) } : {}),
    ...(deadLetterQueues ? { deadLetters: new SqsMoveTaskRedrive(new SQSClient({}), deadLetterQueues) } : {}),
  };
  cached = { base, deps };
  return deps;
}
