import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GTUBE_STRING } from '../../functions/core/scan/rules/gtube.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.stop();
});

describe('a clean message', () => {
  it('is delivered byte for byte, with only our headers added on top', async () => {
    // Prepare
    const raw = rfc822(
      {
        From: 'Alice <alice@sender.example.org>',
        To: 'bob@example.com',
        Subject: 'Lunch on Friday?',
        'Message-ID': '<lunch-1@sender.example.org>',
        Date: 'Tue, 24 Nov 2026 10:00:00 +0000',
      },
      'Hi Bob,\nshall we have lunch on Friday?\nAlice\n',
    );
    // Act
    const id = await gw.send(raw, { from: 'alice@sender.example.org', to: ['bob@example.com'] });
    const record = await gw.waitForState(id, ['delivered']);
    const delivered = await gw.sink?.waitFor((m) =>
      m.raw.includes(Buffer.from('lunch-1@sender.example.org')),
    );
    // Assess
    expect(record.scan?.verdict).toBe('clean');
    expect(delivered?.recipients).toEqual(['bob@example.com']);
    const text = delivered?.raw.toString('latin1') ?? '';
    expect(text.endsWith(raw)).toBe(true);
    const added = text.slice(0, text.length - raw.length);
    expect(added).toMatch(/^X-Graywall-Filtered: true\r\nX-Graywall-Result: score=0; verdict=not spam;/);
    expect(added).toContain('Received: from ');
  });
});

describe('a GTUBE message', () => {
  it('is quarantined, listed, released once through the API and then delivered', async () => {
    const raw = rfc822(
      {
        From: 'spammer@bad.example.net',
        To: 'carol@example.com',
        Subject: 'cheap pills',
        'Message-ID': '<gtube-1@bad>',
      },
      `Buy now!\n${GTUBE_STRING}\n`,
    );
    const id = await gw.send(raw, { from: 'spammer@bad.example.net', to: ['carol@example.com'] });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.scan).toMatchObject({ score: 100, verdict: 'positive' });
    expect(record.scan?.reasons.map((r) => r.id)).toContain('GTUBE');

    const list = await gw.api<{ items: Array<{ messageId: string }> }>(
      'GET',
      '/admin/quarantine?recipient=carol@example.com',
    );
    expect(list.status).toBe(200);
    expect(list.body.items.map((i) => i.messageId)).toContain(id);

    const first = await gw.api<{ released: string[] }>('POST', `/admin/quarantine/${id}/release`);
    expect(first).toMatchObject({ status: 200, body: { released: ['carol@example.com'] } });
    const second = await gw.api<{ released: string[] }>('POST', `/admin/quarantine/${id}/release`);
    expect(second).toMatchObject({ status: 200, body: { released: [] } });

    const delivered = gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<gtube-1@bad>'))) ?? [];
    expect(delivered).toHaveLength(1);
    const tracked = await gw.api<{ state: string; events: Array<{ type: string; detail: string }> }>(
      'GET',
      `/admin/messages/${id}`,
    );
    expect(tracked.body.state).toBe('released');
    expect(tracked.body.events.map((e) => e.type)).toEqual([
      'received',
      'scanned',
      'classified',
      'quarantined',
      'delivered',
      'released',
    ]);
  });
});
