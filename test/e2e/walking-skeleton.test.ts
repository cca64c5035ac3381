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
    expect(added).toMatch(/^X-Graywall-Filtered: true\r\nX-Graywall-Result: score=\d+; verdict=not spam;/);
    expect(added).toContain('Received: from ');
  });
});

describe.each<{ signal: string; rule: string; headers: Record<string, string>; body: string; tag: string }>([
  {
    signal: 'the test header X-Advertisement: spam',
    rule: 'X_ADVERTISEMENT_SPAM',
    headers: { 'X-Advertisement': 'spam' },
    body: 'Policy test\n',
    tag: 'xadv',
  },
  {
    signal: 'the GTUBE string',
    rule: 'GTUBE',
    headers: {},
    body: `Buy now!\n${GTUBE_STRING}\n`,
    tag: 'gtube',
  },
])('a message with $signal', ({ rule, headers, body, tag }) => {
  it('is quarantined, listed, released once through the API and then delivered', async () => {
    const marker = `<${tag}-1@bad.example.net>`;
    const raw = rfc822(
      {
        From: 'spammer@bad.example.net',
        To: 'carol@example.com',
        Subject: 'cheap pills',
        'Message-ID': marker,
        ...headers,
      },
      body,
    );
    const id = await gw.send(raw, { from: 'spammer@bad.example.net', to: ['carol@example.com'] });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.scan).toMatchObject({ score: 100, verdict: 'positive' });
    expect(record.scan?.reasons.map((r) => r.id)).toContain(rule);
    expect(gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from(marker)))).toHaveLength(0);

    const list = await gw.api<{ items: Array<{ messageId: string }> }>(
      'GET',
      '/admin/quarantine?recipient=carol@example.com',
    );
    expect(list.status).toBe(200);
    expect(list.body.items.map((i) => i.messageId)).toContain(id);
    const shown = await gw.api<{ items: Array<{ reasons: Array<{ id: string }> }> }>(
      'GET',
      `/admin/quarantine/${id}`,
    );
    expect(shown.body.items[0]?.reasons.map((r) => r.id)).toContain(rule);

    const first = await gw.api<{ released: string[] }>('POST', `/admin/quarantine/${id}/release`);
    expect(first).toMatchObject({ status: 200, body: { released: ['carol@example.com'] } });
    const second = await gw.api<{ released: string[] }>('POST', `/admin/quarantine/${id}/release`);
    expect(second).toMatchObject({
      status: 200,
      body: { released: [], unchanged: [{ recipient: 'carol@example.com', state: 'released' }] },
    });

    const delivered = gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from(marker))) ?? [];
    expect(delivered).toHaveLength(1);
    const text = delivered[0]?.raw.toString('latin1') ?? '';
    expect(text).toMatch(/^X-Graywall-Released: by arn:aws:iam::000000000000:user\/local-admin at\s+\d{4}-/);
    expect(text.endsWith(raw)).toBe(true);
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
    expect(tracked.body.events.at(-1)?.detail).toBe(
      'Released from quarantine by arn:aws:iam::000000000000:user/local-admin',
    );
  });
});
