import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GTUBE_STRING } from '../../functions/core/scan/rules/gtube.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

/**
 * Quarantine retention as an admin meets it. DynamoDB's TTL deletes an expired item whenever
 * it gets round to it (often days late), so Graywall itself must stop offering an item once
 * its time is up: the gateway's clock is moved forward past the retention here, and the
 * admin API must neither list nor release what it still finds in the table.
 */
const DAY_MS = 86_400_000;
let offsetMs = 0;
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    clock: { now: () => new Date(Date.now() + offsetMs) },
    config: testConfig({ quarantine: { retentionDays: 2 } }),
  });
});
afterAll(async () => {
  await gw?.stop();
});

type Listing = { items: Array<{ messageId: string; recipient: string; state: string; expiresAt: string }> };

describe('quarantine expiry', () => {
  it('lists and releases a held message until its retention ends, then neither', async () => {
    const id = await gw.send(
      rfc822(
        { From: 'spammer@bad.example.net', To: 'dan@example.com, erin@example.com', Subject: 'pills' },
        `Buy now!\n${GTUBE_STRING}\n`,
      ),
      { from: 'spammer@bad.example.net', to: ['dan@example.com', 'erin@example.com'] },
    );
    await gw.waitForState(id, ['quarantined']);
    const held = (await gw.api<Listing>('GET', '/admin/quarantine?recipient=dan@example.com')).body.items;
    const expiresAt = Date.parse(held.find((i) => i.messageId === id)?.expiresAt ?? '');
    expect(expiresAt - Date.now()).toBeGreaterThan(2 * DAY_MS - 60_000);

    // A day before the end: still there, and Erin's copy is released.
    offsetMs = DAY_MS;
    const released = await gw.api('POST', `/admin/quarantine/${id}/release`, {
      recipients: ['erin@example.com'],
    });
    expect(released).toMatchObject({ status: 200, body: { released: ['erin@example.com'] } });

    // A minute past the end: Dan's copy is still in the table (no TTL sweep here), but gone for admins.
    offsetMs = expiresAt - Date.now() + 60_000;
    const after = await gw.api<Listing>('GET', '/admin/quarantine?recipient=dan@example.com');
    expect(after.status).toBe(200);
    expect(after.body.items.map((i) => i.messageId)).not.toContain(id);
    const refused = await gw.api<{ error: string; message: string }>(
      'POST',
      `/admin/quarantine/${id}/release`,
      {
        recipients: ['dan@example.com'],
      },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(
      /expired from quarantine at .* \(kept 2 days\) and can no longer be released/,
    );
    expect((await gw.deps.quarantine.get(id, 'dan@example.com'))?.state).toBe('quarantined');
    expect(gw.sink?.messages.filter((m) => m.recipients.includes('dan@example.com'))).toHaveLength(0);

    // History stays searchable: what was released is listed whatever its age.
    const history = await gw.api<Listing>(
      'GET',
      '/admin/quarantine?recipient=erin@example.com&state=released',
    );
    expect(history.body.items.map((i) => [i.messageId, i.state])).toContainEqual([id, 'released']);
  });

  it('refuses a release of all copies once every one has expired, and allows it in time', async () => {
    offsetMs = 0;
    const id = await gw.send(
      rfc822(
        { From: 'spammer@bad.example.net', To: 'fay@example.com', Subject: 'pills' },
        `${GTUBE_STRING}\n`,
      ),
      { from: 'spammer@bad.example.net', to: ['fay@example.com'] },
    );
    await gw.waitForState(id, ['quarantined']);
    offsetMs = 3 * DAY_MS;
    const all = await gw.api<{ message: string }>('POST', `/admin/quarantine/${id}/release`);
    expect(all.status).toBe(409);
    offsetMs = 0;
    const inTime = await gw.api('POST', `/admin/quarantine/${id}/release`);
    expect(inTime).toMatchObject({ status: 200, body: { released: ['fay@example.com'] } });
  });
});
