import { describe, expect, it } from 'vitest';
import type { TrackingQuery } from '../../functions/app/ports.ts';
import { matchesTrackingQuery } from '../../functions/app/tracking-query.ts';
import type { MessageState, TrackingRecord } from '../../functions/core/tracking/types.ts';

const window = { since: '2026-11-25T00:00:00.000Z', until: '2026-11-25T23:59:59.000Z', limit: 10 };

function record(state: MessageState, recipients: Record<string, MessageState>): TrackingRecord {
  return {
    messageId: 'm1',
    envelopeFrom: 'sender@example.org',
    recipients: Object.keys(recipients),
    size: 100,
    receivedAt: '2026-11-25T10:00:00.000Z',
    bucket: 'mail',
    key: 'incoming/m1',
    state,
    recipientStates: Object.entries(recipients).map(([recipient, s]) => ({
      recipient,
      state: s,
      updatedAt: '2026-11-25T10:00:01.000Z',
    })),
    events: [],
  };
}

const matches = (r: TrackingRecord, query: Partial<TrackingQuery>): boolean =>
  matchesTrackingQuery(r, { ...window, ...query });

describe('matchesTrackingQuery, by state', () => {
  // Held for the CEO, delivered to the assistant: the message as a whole is `mixed`.
  const held = record('mixed', { 'ceo@example.com': 'quarantined', 'pa@example.com': 'delivered' });

  it('finds a message when any recipient is in the state asked for', () => {
    expect(matches(held, { state: 'quarantined' })).toBe(true);
    expect(matches(held, { state: 'delivered' })).toBe(true);
    expect(matches(held, { state: 'bounced' })).toBe(false);
  });

  it('with a recipient, looks at that recipient only', () => {
    expect(matches(held, { state: 'quarantined', recipient: 'CEO@example.com' })).toBe(true);
    expect(matches(held, { state: 'quarantined', recipient: 'pa@example.com' })).toBe(false);
    expect(matches(held, { state: 'delivered', recipient: 'pa@example.com' })).toBe(true);
  });

  it('keeps mixed and the pipeline progress as states of the whole message', () => {
    expect(matches(held, { state: 'mixed' })).toBe(true);
    expect(matches(held, { state: 'mixed', recipient: 'ceo@example.com' })).toBe(true);
    const scanned = record('scanned', { 'a@example.com': 'received' });
    expect(matches(scanned, { state: 'scanned' })).toBe(true);
    expect(matches(scanned, { state: 'received' })).toBe(false);
  });
});
