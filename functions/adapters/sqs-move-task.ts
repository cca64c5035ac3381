import { type SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import type { DeadLetterRedrive, RedriveStage } from '../app/ports.ts';

/** Per stage: its dead-letter queue and the queue its messages go back to (ARNs). */
export type DeadLetterQueues = Readonly<
  Record<RedriveStage, { readonly dlq: string; readonly queue: string }>
>;

/**
 * Redrive in AWS: one SQS message move task per request (StartMessageMoveTask), which moves
 * the dead letters in the background. The destination is explicit: the inbound dead-letter
 * queue also holds SES notifications SNS could not deliver, which have no source queue to
 * go back to.
 */
export class SqsMoveTaskRedrive implements DeadLetterRedrive {
  private readonly sqs: SQSClient;
  private readonly queues: DeadLetterQueues;

  constructor(sqs: SQSClient, queues: DeadLetterQueues) {
    this.sqs = sqs;
    this.queues = queues;
  }

  async redrive(stage: RedriveStage): Promise<{ taskHandle?: string }> {
    const { dlq, queue } = this.queues[stage];
    const out = await this.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: dlq, DestinationArn: queue }),
    );
    return out.TaskHandle ? { taskHandle: out.TaskHandle } : {};
  }
}

/** Reads the DEAD_LETTER_QUEUES environment value the stack writes (JSON), or undefined when absent or malformed. */
export function parseDeadLetterQueues(value: string | undefined): DeadLetterQueues | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as Record<string, { dlq?: unknown; queue?: unknown }>;
    const ok = (['inbound', 'graymail', 'action'] as const).every(
      (stage) => typeof parsed[stage]?.dlq === 'string' && typeof parsed[stage]?.queue === 'string',
    );
    return ok ? (parsed as unknown as DeadLetterQueues) : undefined;
  } catch {
    return undefined;
  }
}
