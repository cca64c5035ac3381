import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTrackingStore } from '../../functions/adapters/dynamo-tracking-store.ts';
import type { NewTrackingRecord } from '../../functions/app/ports.ts';
import { BadRequestError } from '../../functions/core/errors.ts';
import { startDynamo } from '../support/dynamo.ts';

let store: DynamoTrackingStore;
let stop: () => Promise<void>;

beforeAll(async () => {
  const dynamo = await startDynamo();
  store = new DynamoTrackingStore(dynamo.clients.dynamo, 'tracking');
  stop = dynamo.stop;
});
afterAll(async () => stop?.());

function newRecord(id: string, overrides: Partial<NewTrackingRecord> = {}): NewTrackingRecord {
  const receivedAt = overrides.receivedAt ?? '2026-11-25T10:00:00.000Z';
  return {
    messageId: id,
    envelopeFrom: 'sender@example.org',
    recipients: ['a@example.com', 'b@example.com'],
    receivedAt,
    bucket: 'mail',
    key: `incoming/${id}`,
    size: 100,
    expiresAt: 2_000_000_000,
    event: { at: receivedAt, stage: 'receive', type: 'received', detail: 'Received' },
    ...overrides,
  };
}

describe('DynamoTrackingStore', () => {
  it('creates a record once; a second create reports the redelivery', async () => {
    expect(await store.create(newRecord('m1'))).toBe(true);
    expect(await store.create(newRecord('m1'))).toBe(false);
    const record = await store.get('m1');
    expect(record).toMatchObject({
      messageId: 'm1',
      state: 'received',
      recipients: ['a@example.com', 'b@example.com'],
    });
    expect(record?.events).toHaveLength(1);
  });

  it('stores the scan once: the first attempt wins', async () => {
    await store.create(newRecord('m2'));
    const event = { at: '2026-11-25T10:00:01.000Z', stage: 'scan' as const, type: 'scanned', detail: 'x' };
    const scan = { score: 100, verdict: 'positive' as const, reasons: [], engineVersion: 'v1' };
    expect(
      await store.recordScan(
        'm2',
        scan,
        { subject: 'first', remoteIp: '192.0.2.1', allowSender: 'news@brand.example' },
        event,
      ),
    ).toBe(true);
    expect(
      await store.recordScan('m2', { ...scan, score: 0, verdict: 'clean' }, { subject: 'second' }, event),
    ).toBe(false);
    expect(await store.get('m2')).toMatchObject({
      scan: { score: 100 },
      subject: 'first',
      remoteIp: '192.0.2.1',
      allowSender: 'news@brand.example',
      state: 'scanned',
    });
  });

  it('lets exactly one of two concurrent attempts claim a recipient', async () => {
    await store.create(newRecord('m3'));
    const now = new Date('2026-11-25T10:00:00Z');
    const [one, two] = await Promise.all([
      store.claimRecipients('m3', ['a@example.com'], now, 60_000),
      store.claimRecipients('m3', ['a@example.com'], now, 60_000),
    ]);
    expect([one.claimed.length, two.claimed.length].sort()).toEqual([0, 1]);
    expect([...one.busy, ...two.busy]).toEqual(['a@example.com']);
  });

  it('lets a later attempt take over a claim whose lease ran out, but not a finished recipient', async () => {
    await store.create(newRecord('m4'));
    const t0 = new Date('2026-11-25T10:00:00Z');
    expect(
      (await store.claimRecipients('m4', ['a@example.com', 'b@example.com'], t0, 60_000)).claimed,
    ).toHaveLength(2);
    await store.updateRecipients(
      'm4',
      ['b@example.com'],
      { state: 'delivered', response: '250 ok' },
      { at: t0.toISOString(), stage: 'action', type: 'delivered', detail: 'd' },
    );
    const later = await store.claimRecipients(
      'm4',
      ['a@example.com', 'b@example.com'],
      new Date(t0.getTime() + 61_000),
      60_000,
    );
    expect(later.claimed).toEqual(['a@example.com']);
    expect(later.finished).toMatchObject([
      { recipient: 'b@example.com', state: 'delivered', response: '250 ok' },
    ]);
  });

  it('gives claims back after a failure so a retry can take them', async () => {
    await store.create(newRecord('m5'));
    const now = new Date('2026-11-25T10:00:00Z');
    await store.claimRecipients('m5', ['a@example.com'], now, 60_000);
    await store.releaseClaims('m5', ['a@example.com']);
    expect((await store.claimRecipients('m5', ['a@example.com'], now, 60_000)).claimed).toEqual([
      'a@example.com',
    ]);
  });

  it('summarises recipient states into the message state', async () => {
    await store.create(newRecord('m6'));
    const event = { at: '2026-11-25T10:00:02.000Z', stage: 'action' as const, type: 'x', detail: 'x' };
    await store.updateRecipients('m6', ['a@example.com'], { state: 'delivered' }, event);
    expect((await store.get('m6'))?.state).toBe('received');
    await store.updateRecipients('m6', ['b@example.com'], { state: 'quarantined' }, event);
    expect((await store.get('m6'))?.state).toBe('mixed');
    await store.updateRecipients('m6', ['b@example.com'], { state: 'delivered' }, event);
    expect((await store.get('m6'))?.state).toBe('delivered');
  });

  it('searches by recipient, by sender and by time window, newest first, in pages', async () => {
    for (let i = 0; i < 5; i++) {
      await store.create(
        newRecord(`p${i}`, {
          receivedAt: `2026-11-2${i}T08:00:00.000Z`,
          envelopeFrom: i % 2 === 0 ? 'Even@Sender.example' : 'odd@sender.example',
          recipients: [`r${i}@example.com`, 'all@example.com'],
        }),
      );
    }
    const window = { since: '2026-11-20T00:00:00.000Z', until: '2026-11-24T23:59:59.000Z' };
    const byRecipient = await store.search({ ...window, recipient: 'ALL@example.com', limit: 10 });
    expect(byRecipient.items.map((r) => r.messageId)).toEqual(['p4', 'p3', 'p2', 'p1', 'p0']);
    const bySender = await store.search({ ...window, sender: 'even@sender.example', limit: 10 });
    expect(bySender.items.map((r) => r.messageId)).toEqual(['p4', 'p2', 'p0']);

    const first = await store.search({ ...window, limit: 2 });
    expect(first.items.map((r) => r.messageId)).toEqual(['p4', 'p3']);
    expect(first.cursor).toBeDefined();
    const second = await store.search({ ...window, limit: 2, cursor: first.cursor });
    expect(second.items.map((r) => r.messageId)).toEqual(['p2', 'p1']);
    const third = await store.search({ ...window, limit: 2, cursor: second.cursor });
    expect(third.items.map((r) => r.messageId)).toEqual(['p0']);
    expect(third.cursor).toBeUndefined();
  });

  it('finds a message by its From address as well as by its envelope sender, once each', async () => {
    const window = { since: '2026-11-05T00:00:00.000Z', until: '2026-11-05T23:59:59.000Z' };
    const at = '2026-11-05T08:00:00.000Z';
    const event = { at, stage: 'scan' as const, type: 'scanned', detail: 'x' };
    const scan = { score: 0, verdict: 'clean' as const, reasons: [], engineVersion: 'v1' };
    // Bulk mail: a per-message bounce address (VERP) in the envelope, the brand in From.
    await store.create(newRecord('v1', { receivedAt: at, envelopeFrom: 'bounce-v1@esp.example' }));
    await store.recordScan('v1', scan, { from: 'News@Brand.example' }, event);
    // Person-to-person mail: the same address in both.
    await store.create(newRecord('v2', { receivedAt: at, envelopeFrom: 'news@brand.example' }));
    await store.recordScan('v2', scan, { from: 'news@brand.example' }, event);
    // A retried scan writes the From index again: still one hit.
    await store.recordScan('v1', scan, { from: 'News@Brand.example' }, event);

    const byFrom = await store.search({ ...window, sender: 'news@BRAND.example', limit: 10 });
    expect(byFrom.items.map((r) => r.messageId).sort()).toEqual(['v1', 'v2']);
    const byEnvelope = await store.search({ ...window, sender: 'bounce-v1@esp.example', limit: 10 });
    expect(byEnvelope.items.map((r) => r.messageId)).toEqual(['v1']);
    // The From index item is no record of its own: the day index lists each message once.
    expect((await store.search({ ...window, limit: 10 })).items.map((r) => r.messageId).sort()).toEqual([
      'v1',
      'v2',
    ]);
  });

  it('filters by subject, Message-ID, state and verdict, paging through what it skips', async () => {
    const scanEvent = {
      at: '2026-11-10T08:00:01.000Z',
      stage: 'scan' as const,
      type: 'scanned',
      detail: 'x',
    };
    for (let i = 0; i < 12; i++) {
      const id = `f${String(i).padStart(2, '0')}`;
      await store.create(
        newRecord(id, {
          receivedAt: `2026-11-10T08:${String(i).padStart(2, '0')}:00.000Z`,
          recipients: ['f@example.com'],
        }),
      );
      const spam = i % 4 === 0;
      await store.recordScan(
        id,
        { score: spam ? 100 : 0, verdict: spam ? 'positive' : 'clean', reasons: [], engineVersion: 'v1' },
        {
          subject: spam ? `Cheap PILLS ${i}` : `Minutes ${i}`,
          internetMessageId: `<Msg-${i}@Sender.Example>`,
        },
        scanEvent,
      );
    }
    const window = { since: '2026-11-10T00:00:00.000Z', until: '2026-11-10T23:59:59.000Z' };
    const pills = await store.search({ ...window, subject: 'pills', limit: 2 });
    expect(pills.items.map((r) => r.messageId)).toEqual(['f08', 'f04']);
    const rest = await store.search({ ...window, subject: 'pills', limit: 2, cursor: pills.cursor });
    expect(rest.items.map((r) => r.messageId)).toEqual(['f00']);
    expect(rest.cursor).toBeUndefined();
    expect(
      (await store.search({ ...window, verdict: 'positive', recipient: 'f@example.com', limit: 10 })).items,
    ).toHaveLength(3);
    expect((await store.search({ ...window, state: 'scanned', limit: 50 })).items).toHaveLength(12);
    const byHeader = await store.search({ ...window, internetMessageId: 'msg-7@sender.example', limit: 5 });
    expect(byHeader.items.map((r) => r.messageId)).toEqual(['f07']);
  });

  it('finds a message held for one recipient and delivered to another as quarantined', async () => {
    const at = '2026-11-12T09:00:00.000Z';
    const event = { at, stage: 'action' as const, type: 'x', detail: 'x' };
    await store.create(
      newRecord('q1', { receivedAt: at, recipients: ['ceo@example.com', 'pa@example.com'] }),
    );
    await store.updateRecipients('q1', ['ceo@example.com'], { state: 'quarantined' }, event);
    await store.updateRecipients('q1', ['pa@example.com'], { state: 'delivered' }, event);
    expect((await store.get('q1'))?.state).toBe('mixed');
    const window = { since: '2026-11-12T00:00:00.000Z', until: '2026-11-12T23:59:59.000Z', limit: 10 };
    const ids = async (query: object) =>
      (await store.search({ ...window, ...query })).items.map((r) => r.messageId);
    expect(await ids({ state: 'quarantined' })).toEqual(['q1']);
    expect(await ids({ state: 'quarantined', recipient: 'ceo@example.com' })).toEqual(['q1']);
    expect(await ids({ state: 'quarantined', recipient: 'pa@example.com' })).toEqual([]);
    expect(await ids({ state: 'mixed' })).toEqual(['q1']);
  });

  it('refuses a forged cursor with a client error', async () => {
    const window = { since: '2026-11-20T00:00:00.000Z', until: '2026-11-24T00:00:00.000Z' };
    await expect(store.search({ ...window, limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    const forged = Buffer.from(
      JSON.stringify({ partition: '2026-11-22', lastKey: { pk: { S: 'x' } } }),
    ).toString('base64url');
    await expect(store.search({ ...window, limit: 2, cursor: forged })).rejects.toBeInstanceOf(
      BadRequestError,
    );
  });
});
