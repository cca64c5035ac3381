import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DigestTrigger, RetrainRequest, RetrainTrigger } from '../app/ports.ts';

/** The retrain function's event: who asked (the schedule's own event carries no requestedBy). */
export interface RetrainEvent {
  readonly requestedBy?: string;
}

/**
 * "Update now" in AWS: an asynchronous invocation of the retrain function (InvocationType
 * Event). Lambda queues the event and answers 202 at once; the run takes longer than an API
 * request may, and Lambda retries it if it fails. The admin function's role may invoke this
 * one function only.
 */
export class LambdaRetrainTrigger implements RetrainTrigger {
  private readonly lambda: LambdaClient;
  private readonly functionName: string;

  constructor(lambda: LambdaClient, functionName: string) {
    this.lambda = lambda;
    this.functionName = functionName;
  }

  async start(request: RetrainRequest): Promise<{ readonly detail: string }> {
    const event: RetrainEvent = { requestedBy: request.requestedBy };
    await invokeInBackground(this.lambda, this.functionName, event, 'retrain');
    return {
      detail: `the retrain function (${this.functionName}) runs in the background; a run takes a minute or two`,
    };
  }
}

/**
 * `graywall digest send` in AWS: an asynchronous invocation of the digest function, which
 * sends every recipient's digest however long that takes (the admin API answers within 30 s).
 * The admin function's role may invoke this one function only.
 */
export class LambdaDigestTrigger implements DigestTrigger {
  private readonly lambda: LambdaClient;
  private readonly functionName: string;

  constructor(lambda: LambdaClient, functionName: string) {
    this.lambda = lambda;
    this.functionName = functionName;
  }

  async start(requestedBy: string): Promise<{ readonly detail: string }> {
    await invokeInBackground(this.lambda, this.functionName, { requestedBy }, 'digest');
    return {
      detail: `the digest function (${this.functionName}) sends them in the background; its log and the DigestFailures alarm say how it went`,
    };
  }
}

/** InvocationType Event: Lambda queues the event, answers 202 at once, and retries a failed run. */
async function invokeInBackground(
  lambda: LambdaClient,
  functionName: string,
  event: unknown,
  what: string,
): Promise<void> {
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  if (out.StatusCode !== 202)
    throw new Error(`Lambda did not queue the ${what} function (status ${out.StatusCode ?? 'none'})`);
}
