import {
  ChangeMessageVisibilityCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { StageName, StageQueue } from '../app/ports.ts';

/** The queues between stages; each has its own dead-letter queue (set up by the stack). */
export class SqsStageQueue implements StageQueue {
  private readonly sqs: SQSClient;
  private readonly urls: Readonly<Record<StageName, string>>;
  /** Queue URLs by ARN: given (the local gateway knows its queues) or looked up once. */
  private readonly urlsByArn = new Map<string, Promise<string>>();

  constructor(
    sqs: SQSClient,
    urls: Readonly<Record<StageName, string>>,
    knownQueues: Readonly<Record<string, string>> = {},
  ) {
    this.sqs = sqs;
    this.urls = urls;
    for (const [arn, url] of Object.entries(knownQueues)) this.urlsByArn.set(arn, Promise.resolve(url));
  }

  async send(stage: StageName, body: unknown): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.urls[stage], MessageBody: JSON.stringify(body) }),
    );
  }

  async retryLater(queueArn: string, receiptHandle: string, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await this.urlOf(queueArn),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: delaySeconds,
      }),
    );
  }

  /**
   * arn:<partition>:sqs:<region>:<account>:<name> → URL, by GetQueueUrl (the event source
   * mapping's grant includes it): no partition's endpoint format is assumed.
   */
  private urlOf(queueArn: string): Promise<string> {
    let url = this.urlsByArn.get(queueArn);
    if (!url) {
      const [, , service, , account, name] = queueArn.split(':');
      if (service !== 'sqs' || !account || !name) throw new RangeError(`not an SQS queue ARN: ${queueArn}`);
      url = this.sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((out) => out.QueueUrl as string);
      url.catch(() => this.urlsByArn.delete(queueArn));
      this.urlsByArn.set(queueArn, url);
    }
    return url;
  }
}
