import type { Stage, TrackingEvent, TrackingRecord } from '../core/tracking/types.ts';
import type { Clock, TrackingStore } from './ports.ts';

export function trackingEvent(
  clock: Clock,
  stage: Stage,
  type: string,
  detail: string,
  recipients?: readonly string[],
): TrackingEvent {
  return {
    at: clock.now().toISOString(),
    stage,
    type,
    detail,
    ...(recipients ? { recipients: [...recipients] } : {}),
  };
}

/**
 * Notes in the timeline that a dead-lettered message is being worked on again, so the admin
 * who reads `graywall why` sees the redrive between the failure and what followed. The move
 * itself (SQS's message move task in AWS) sees no message, so the first stage to pick one up
 * again says so: when the record's last dead-lettered event has no `resumed` event after it.
 */
export async function noteResumeAfterDeadLetter(
  tracking: Pick<TrackingStore, 'appendEvents'>,
  clock: Clock,
  record: Pick<TrackingRecord, 'messageId' | 'events'> | undefined,
  stage: Stage,
): Promise<void> {
  if (!record) return;
  const last = record.events.findLast((e) => e.type === 'dead-lettered' || e.type === 'resumed');
  if (last?.type !== 'dead-lettered') return;
  await tracking.appendEvents(record.messageId, [
    trackingEvent(
      clock,
      stage,
      'resumed',
      `${stage} picked the message up again: its dead-letter queue was redriven (the failure is above)`,
    ),
  ]);
}
