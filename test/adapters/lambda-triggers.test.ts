import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { LambdaRetrainTrigger } from '../../functions/adapters/lambda-triggers.ts';

/** A Lambda client that records what it was sent and answers with `status`. */
function fakeLambda(status: number) {
  const sent: InvokeCommand[] = [];
  const client = {
    async send(command: InvokeCommand) {
      sent.push(command);
      return { StatusCode: status };
    },
  } as unknown as LambdaClient;
  return { client, sent };
}

describe('starting the retrain function ("update now" in AWS)', () => {
  it('invokes it asynchronously (InvocationType Event) with who asked, and returns at once', async () => {
    const { client, sent } = fakeLambda(202);
    const trigger = new LambdaRetrainTrigger(client, 'Graywall-Retrain-123');
    const started = await trigger.start({
      requestedBy: 'update now by arn:aws:iam::111122223333:user/admin',
    });
    expect(sent).toHaveLength(1);
    const input = sent[0]?.input;
    expect(input).toMatchObject({ FunctionName: 'Graywall-Retrain-123', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
      requestedBy: 'update now by arn:aws:iam::111122223333:user/admin',
    });
    expect(started.detail).toContain('Graywall-Retrain-123');
  });

  it('fails when Lambda did not queue the event', async () => {
    const { client } = fakeLambda(200);
    await expect(new LambdaRetrainTrigger(client, 'fn').start({ requestedBy: 'x' })).rejects.toThrow(
      /did not queue the retrain function \(status 200\)/,
    );
  });
});
