import { describe, expect, it } from 'vitest';
import { formatTrackingList, formatTrackingRecord } from '../../functions/cli/format.ts';
import type { TrackingRecord } from '../../functions/core/tracking/types.ts';

const record = (policyVerdicts?: TrackingRecord['policyVerdicts']): TrackingRecord => ({
  messageId: 'abc123',
  envelopeFrom: 'ads@promo.example',
  recipients: ['a@example.com', 'b@example.com'],
  receivedAt: '2026-11-25T10:00:00.000Z',
  key: 'incoming/abc123',
  bucket: 'mail',
  size: 1234,
  from: 'ads@promo.example',
  subject: 'Offer',
  scan: { score: 23, verdict: 'clean', reasons: [], engineVersion: 'test' },
  ...(policyVerdicts ? { policyVerdicts } : {}),
  state: 'mixed',
  recipientStates: [],
  events: [],
});

describe('graywall track (list)', () => {
  it("shows the score's verdict, and the other verdicts some recipients got, without saying who decided", () => {
    // A blocklist entry or a policy's own thresholds: `why` says which; the list does not guess.
    expect(formatTrackingList([record(['positive'])])).toMatch(/clean 23 \(per recipient: positive\)/);
    expect(formatTrackingList([record()])).toMatch(/clean 23\s+mixed/);
  });

  it('says how many recipients a mixed message was held for and how many it reached', () => {
    const at = '2026-11-25T10:00:05.000Z';
    const mixed: TrackingRecord = {
      ...record(),
      recipientStates: [
        { recipient: 'a@example.com', state: 'quarantined', updatedAt: at },
        { recipient: 'b@example.com', state: 'delivered', updatedAt: at },
      ],
    };
    expect(formatTrackingList([mixed])).toMatch(/mixed: 1 quarantined, 1 delivered/);
  });

  it('says a message is being retried, not only the state its recipients kept', () => {
    const failed = {
      ...record(),
      state: 'classified' as const,
      events: [
        {
          at: '2026-11-25T10:00:05.000Z',
          stage: 'pipeline' as const,
          type: 'stage-failed',
          detail: 'action attempt 1 of 12 failed: ...; will retry in 1 min',
        },
      ],
    };
    expect(formatTrackingList([failed])).toMatch(/classified, retrying \(see the timeline\)/);
    expect(formatTrackingRecord(failed)).toMatch(/^State {5}classified, retrying \(see the timeline\)$/m);
    const delivered = { ...failed, state: 'delivered' as const };
    expect(formatTrackingList([delivered])).not.toMatch(/retrying/);
  });
});
