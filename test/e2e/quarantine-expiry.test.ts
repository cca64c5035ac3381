import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpTransport } from '../../functions/adapters/smtp-transport.ts';
import { releaseQuarantined } from '../../functions/app/quarantine-admin.ts';
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

describe('a release within the time the API function has', () => {
  it('gives the claim back, in words, when the delivery target never finishes', async () => {
    // A mail server that takes the message and never answers the end of DATA: the release must
    // fail while its function still runs, not leave the item "releasing" for the claim lease.
    const stalling = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream) => stream.resume(),
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const port = (stalling.server.address() as { port: number }).port;
    offsetMs = 0;
    const id = await gw.send(
      rfc822(
        { From: 'spammer@bad.example.net', To: 'fay@example.com', Subject: 'slow' },
        `${GTUBE_STRING}\n`,
      ),
      { from: 'spammer@bad.example.net', to: ['fay@example.com'] },
    );
    await gw.waitForState(id, ['quarantined']);
    const transport = new SmtpTransport({
      type: 'smtp',
      host: '127.0.0.1',
      port,
      tls: 'none',
      connectTimeoutSeconds: 10,
      verifyCertificate: true,
    });
    try {
      const started = Date.now();
      await expect(
        releaseQuarantined({ ...gw.deps, transport }, id, 'all', 'admin', { deliveryBudgetMs: 1_000 }),
      ).rejects.toMatchObject({
        name: 'DeliveryError',
        message: expect.stringContaining('did not finish within 1.0 s'),
      });
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(await gw.deps.quarantine.get(id, 'fay@example.com')).toMatchObject({ state: 'quarantined' });
      // Released again once the target answers: nothing was left claimed.
      const released = await gw.api('POST', `/admin/quarantine/${id}/release`);
      expect(released).toMatchObject({ status: 200, body: { released: ['fay@example.com'] } });
    } finally {
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });
});
