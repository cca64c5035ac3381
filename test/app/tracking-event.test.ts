import { describe, expect, it } from 'vitest';
import { noteResumeAfterDeadLetter } from '../../functions/app/tracking-event.ts';
import type { TrackingEvent } from '../../functions/core/tracking/types.ts';

const clock = { now: () => new Date('2026-11-25T12:00:00.000Z') };
const event = (type: string): TrackingEvent => ({
  at: '2026-11-25T11:00:00.000Z',
  stage: 'action',
  type,
  detail: type,
});

/** The timeline after noting, starting from `types` (the store appends what it is given). */
async function timelineAfter(types: readonly string[]): Promise<string[]> {
  const events = types.map(event);
  const tracking = {
    appendEvents: async (_id: string, added: readonly TrackingEvent[]) => {
      events.push(...added);
    },
  };
  await noteResumeAfterDeadLetter(tracking, clock, { messageId: 'm', events }, 'graymail');
  return events.map((e) => e.type);
}

describe('noteResumeAfterDeadLetter', () => {
  it('notes the first pick-up after a dead letter, once', async () => {
    expect(await timelineAfter(['received', 'stage-failed', 'dead-lettered'])).toEqual([
      'received',
      'stage-failed',
      'dead-lettered',
      'resumed',
    ]);
    expect(await timelineAfter(['dead-lettered', 'resumed', 'classified'])).toEqual([
      'dead-lettered',
      'resumed',
      'classified',
    ]);
  });

  it('notes a second redrive after a second dead letter, and nothing for mail that never failed', async () => {
    expect(await timelineAfter(['dead-lettered', 'resumed', 'dead-lettered'])).toEqual([
      'dead-lettered',
      'resumed',
      'dead-lettered',
      'resumed',
    ]);
    expect(await timelineAfter(['received', 'scanned'])).toEqual(['received', 'scanned']);
  });
});
