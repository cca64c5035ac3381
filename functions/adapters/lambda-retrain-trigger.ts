import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { RetrainRequest, RetrainTrigger } from '../app/ports.ts';

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
    const out = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.StatusCode !== 202)
      throw new Error(`Lambda did not queue the retrain function (status ${out.StatusCode ?? 'none'})`);
    return {
      detail: `the retrain function (${this.functionName}) runs in the background; a run takes a minute or two`,
    };
  }
}
