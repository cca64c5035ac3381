import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StageName, StageQueue } from '../app/ports.ts';

/** The queues between stages; each has its own dead-letter queue (set up by the stack). */
export class SqsStageQueue implements StageQueue {
  private readonly sqs: SQSClient;
  private readonly urls: Readonly<Record<StageName, string>>;

  constructor(sqs: SQSClient, urls: Readonly<Record<StageName, string>>) {
    this.sqs = sqs;
    this.urls = urls;
  }

  async send(stage: StageName, body: unknown): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.urls[stage], MessageBody: JSON.stringify(body) }),
    );
  }
}
