import { type SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterQueues, SqsMoveTaskRedrive } from '../../functions/adapters/sqs-move-task.ts';

const queues = {
  inbound: {
    dlq: 'arn:aws:sqs:eu-west-1:111122223333:in-dlq',
    queue: 'arn:aws:sqs:eu-west-1:111122223333:in',
  },
  graymail: {
    dlq: 'arn:aws:sqs:eu-west-1:111122223333:gm-dlq',
    queue: 'arn:aws:sqs:eu-west-1:111122223333:gm',
  },
  action: {
    dlq: 'arn:aws:sqs:eu-west-1:111122223333:ac-dlq',
    queue: 'arn:aws:sqs:eu-west-1:111122223333:ac',
  },
};

describe('SqsMoveTaskRedrive', () => {
  // The SQS emulator has no message move tasks (StartMessageMoveTask), so this one call is
  // checked against a client that records it; the local gateway's redrive (plain receive,
  // send, delete on the emulator) is tested end to end in test/e2e/pipeline-resilience.test.ts.
  it('starts one move task from the stage dead-letter queue to the stage queue, destination explicit', async () => {
    const sent: unknown[] = [];
    const sqs = {
      send: async (command: unknown) => {
        sent.push(command);
        return { TaskHandle: 'task-1' };
      },
    } as unknown as SQSClient;
    expect(await new SqsMoveTaskRedrive(sqs, queues).redrive('action')).toEqual({ taskHandle: 'task-1' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(StartMessageMoveTaskCommand);
    expect((sent[0] as StartMessageMoveTaskCommand).input).toEqual({
      SourceArn: queues.action.dlq,
      DestinationArn: queues.action.queue,
    });
  });
});

describe('parseDeadLetterQueues', () => {
  it('reads the JSON the stack writes, and nothing incomplete or malformed', () => {
    expect(parseDeadLetterQueues(JSON.stringify(queues))).toEqual(queues);
    expect(parseDeadLetterQueues(undefined)).toBeUndefined();
    expect(parseDeadLetterQueues('{not json')).toBeUndefined();
    expect(parseDeadLetterQueues(JSON.stringify({ inbound: queues.inbound }))).toBeUndefined();
  });
});
