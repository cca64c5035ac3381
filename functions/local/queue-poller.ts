import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../app/ports.ts';
import { localLambdaContext } from './lambda-context.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface QueuePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly functionName: string;
  readonly handler: SqsHandler;
  readonly batchSize: number;
  readonly log: Logger;
}

export interface QueuePoller {
  /** Resolves when no batch is being processed. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Plays the Lambda event source mapping for one queue: long-polls, hands batches to the
 * handler, deletes the records it did not report in `batchItemFailures`, and leaves failed
 * ones to reappear after the visibility timeout. The queue's redrive policy (set like the
 * stack's) moves a message to its dead-letter queue after maxReceiveCount receives, as in AWS.
 */
export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const { sqs, queueUrl, log } = options;
  let running = true;
  let busy: Promise<void> = Promise.resolve();
  const abort = new AbortController();

  const loop = async (): Promise<void> => {
    while (running) {
      let messages: Message[] = [];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (!running) return;
        log.warn('receive failed; retrying', { queueUrl, error });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      let done!: () => void;
      busy = new Promise((r) => {
        done = r;
      });
      try {
        await invoke(messages);
      } finally {
        done();
      }
    }
  };

  const invoke = async (messages: Message[]): Promise<void> => {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn)) };
    let failed: Set<string>;
    try {
      const result = await options.handler(event, localLambdaContext(options.functionName, 60_000));
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A handler that throws fails the whole batch, as in Lambda.
      log.error('handler threw: the whole batch will be retried', { function: options.functionName, error });
      failed = new Set(messages.map((m) => m.MessageId ?? ''));
    }
    const succeeded = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (succeeded.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: succeeded.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };

  const finished = loop();
  return {
    idle: () => busy,
    async stop() {
      running = false;
      abort.abort();
      await finished.catch(() => undefined);
      await busy;
    },
  };
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}
