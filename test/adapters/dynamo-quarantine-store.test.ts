import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoQuarantineStore } from '../../functions/adapters/dynamo-quarantine-store.ts';
import type { QuarantineItem } from '../../functions/app/quarantine-item.ts';
import { startDynamo } from '../support/dynamo.ts';

let store: DynamoQuarantineStore;
let stop: () => Promise<void>;

beforeAll(async () => {
  const dynamo = await startDynamo();
  store = new DynamoQuarantineStore(dynamo.clients.dynamo, 'quarantine');
  stop = dynamo.stop;
});
afterAll(async () => stop?.());

function item(messageId: string, recipient: string, quarantinedAt: string): QuarantineItem {
  return {
    messageId,
    recipient,
    envelopeFrom: 'spam@bad.example',
    size: 10,
    score: 100,
    verdict: 'positive',
    reasons: [{ id: 'GTUBE', group: 'test', description: 'GTUBE', score: 100 }],
    policy: 'default',
    key: `quarantine/${messageId}`,
    quarantinedAt,
    expiresAt: '2026-12-25T00:00:00.000Z',
    state: 'quarantined',
  };
}

describe('DynamoQuarantineStore', () => {
  it('stores one item per message and recipient', async () => {
    expect(await store.put(item('q1', 'a@example.com', '2026-11-25T09:00:00.000Z'))).toBe(true);
    expect(await store.put(item('q1', 'a@example.com', '2026-11-25T09:00:00.000Z'))).toBe(false);
    expect(await store.put(item('q1', 'b@example.com', '2026-11-25T09:00:00.000Z'))).toBe(true);
    expect((await store.listForMessage('q1')).map((i) => i.recipient)).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
  });

  it('moves an item only from the states allowed, and takes over stale claims', async () => {
    await store.put(item('q2', 'a@example.com', '2026-11-25T09:00:00.000Z'));
    const claimed = await store.transition('q2', 'a@example.com', { states: ['quarantined'] }, 'releasing', {
      claimedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(claimed?.state).toBe('releasing');
    expect(
      await store.transition('q2', 'a@example.com', { states: ['quarantined'] }, 'releasing'),
    ).toBeUndefined();
    const fresh = await store.transition(
      'q2',
      'a@example.com',
      { states: ['quarantined'], staleClaimBefore: '2026-11-25T09:59:00.000Z' },
      'releasing',
    );
    expect(fresh).toBeUndefined();
    const stale = await store.transition(
      'q2',
      'a@example.com',
      { states: ['quarantined'], staleClaimBefore: '2026-11-25T10:05:00.000Z' },
      'releasing',
    );
    expect(stale?.state).toBe('releasing');
    expect(
      await store.transition('nope', 'a@example.com', { states: ['quarantined'] }, 'deleted'),
    ).toBeUndefined();
  });

  it("lists a recipient's quarantined items newest first, in pages, skipping released ones", async () => {
    for (let i = 0; i < 5; i++)
      await store.put(item(`l${i}`, 'list@example.com', `2026-11-2${i}T08:00:00.000Z`));
    await store.transition('l2', 'list@example.com', { states: ['quarantined'] }, 'released');
    const window = { since: '2026-11-19T00:00:00.000Z', until: '2026-11-26T00:00:00.000Z' };
    const first = await store.list({ ...window, recipient: 'list@example.com', limit: 2 });
    expect(first.items.map((i) => i.messageId)).toEqual(['l4', 'l3']);
    const second = await store.list({
      ...window,
      recipient: 'list@example.com',
      limit: 2,
      cursor: first.cursor,
    });
    expect(second.items.map((i) => i.messageId)).toEqual(['l1', 'l0']);
    const released = await store.list({
      ...window,
      recipient: 'list@example.com',
      limit: 10,
      state: 'released',
    });
    expect(released.items.map((i) => i.messageId)).toEqual(['l2']);
    const byDay = await store.list({
      since: '2026-11-21T00:00:00.000Z',
      until: '2026-11-23T23:00:00.000Z',
      limit: 10,
    });
    expect(byDay.items.map((i) => i.messageId)).toEqual(['l3', 'l1']);
  });
});
