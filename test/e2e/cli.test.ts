import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;
let cli: CliRun;

beforeAll(async () => {
  // The test's SMTP client connects from 127.0.0.1: SPF passes for deals.example.net only.
  gw = await startTestGateway({
    authResolver: fakeDns({ 'deals.example.net TXT': 'v=spf1 ip4:127.0.0.1 -all' }),
  });
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

describe('graywall CLI against the local gateway', () => {
  it('lists, shows, releases and tracks a quarantined message', async () => {
    const raw = rfc822(
      {
        From: 'ads@promo.example.net',
        To: 'jane@example.com',
        Subject: 'Test of the positive policy',
        'X-Advertisement': 'spam',
      },
      'testing\n',
    );
    const id = await gw.send(raw, { from: 'ads@promo.example.net', to: ['jane@example.com'] });
    await gw.waitForState(id, ['quarantined']);

    const list = await cli('quarantine', 'list', '--recipient', 'jane@example.com');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(
        `${id}\\s+jane@example.com\\s+ads@promo.example.net\\s+Test of the positive policy\\s+100\\s+X_ADVERTISEMENT_SPAM`,
      ),
    );

    const show = await cli('quarantine', 'show', id);
    expect(show.out).toMatch(/X_ADVERTISEMENT_SPAM\s+\+100\s/);

    const release = await cli('quarantine', 'release', id);
    expect(release.out).toContain('Released and delivered to jane@example.com');
    const again = await cli('quarantine', 'release', id);
    expect(again.out).toContain('Not released for jane@example.com: already released');

    const track = await cli('track', id);
    expect(track.out).toMatch(
      /release\s+released\s+Released from quarantine by arn:aws:iam::000000000000:user\/local-admin/,
    );
    const json = JSON.parse((await cli('track', id, '--json')).out) as { state: string };
    expect(json.state).toBe('released');
  });

  it('searches tracking by sender and by recipient', async () => {
    const raw = rfc822(
      { From: 'kim@partner.example.org', To: 'lee@example.com', Subject: 'search me' },
      'hi\n',
    );
    const id = await gw.send(raw, {
      from: 'kim@partner.example.org',
      to: ['lee@example.com', 'max@example.com'],
    });
    await gw.waitForState(id, ['delivered']);
    const bySender = await cli('track', '--sender', 'KIM@partner.example.org', '--since', '1h');
    expect(bySender.out).toContain(id);
    const byRecipient = await cli('track', '--recipient', 'max@example.com', '--json');
    expect(
      (JSON.parse(byRecipient.out) as { items: Array<{ messageId: string }> }).items.map((i) => i.messageId),
    ).toEqual([id]);
    const nobody = await cli('track', '--recipient', 'nobody@example.com');
    expect(nobody.out).toContain('No messages in this window.');
  });

  it('deletes a quarantined message and reports errors clearly', async () => {
    const raw = rfc822(
      { From: 'x@promo.example.net', To: 'ned@example.com', Subject: 'to delete', 'X-Advertisement': 'spam' },
      'x\n',
    );
    const id = await gw.send(raw, { from: 'x@promo.example.net', to: ['ned@example.com'] });
    await gw.waitForState(id, ['quarantined']);
    expect((await cli('quarantine', 'delete', id)).out).toContain('Deleted for ned@example.com');
    expect((await gw.deps.tracking.get(id))?.state).toBe('deleted');
    await expect(gw.deps.mail.get(`quarantine/${id}`)).rejects.toThrow(/does not exist/);

    const missing = await cli('track', 'no-such-message');
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.err).toContain('API answered 404: no message no-such-message in tracking');
    const badWindow = await cli('quarantine', 'list', '--since', 'yesterday');
    expect(badWindow.err).toContain('since must be an ISO time');
    const usage = await cli('frobnicate');
    expect(usage.code).toBe(2);
  });

  it('answers "why" with the reasons, the policy per recipient and how to let it through', async () => {
    const raw = rfc822(
      {
        From: 'promo@deals.example.net',
        To: 'oli@example.com',
        Subject: 'Why me?',
        'X-Advertisement': 'spam',
      },
      'x\n',
    );
    const id = await gw.send(raw, { from: 'promo@deals.example.net', to: ['oli@example.com'] });
    await gw.waitForState(id, ['quarantined']);
    const why = await cli('why', id);
    expect(why.out).toContain('Verdict: positive spam, score 100/100');
    expect(why.out).toMatch(
      /\+100 {2}X_ADVERTISEMENT_SPAM {2}Test header "X-Advertisement: spam" present {2}\[X-Advertisement: spam\]/,
    );
    expect(why.out).toContain(
      'oli@example.com: quarantined — Quarantined for 30 days by policy "default" (positive)',
    );
    expect(why.out).toContain(`now:       graywall quarantine release ${id}`);
    // SPF passed for the envelope sender: an entry for it applies to its next mail.
    expect(why.out).toContain(
      'next time: graywall safelist add promo@deals.example.net --for oli@example.com   (or without --for, for everyone)',
    );

    // Nobody vouched for this one: an entry would never apply, so none is suggested.
    const forged = await gw.send(
      rfc822(
        {
          From: 'promo@elsewhere.example.net',
          To: 'oli@example.com',
          Subject: 'Me?',
          'X-Advertisement': 'spam',
        },
        'x\n',
      ),
      {
        from: 'promo@elsewhere.example.net',
        to: ['oli@example.com'],
      },
    );
    await gw.waitForState(forged, ['quarantined']);
    const unverified = (await cli('why', forged)).out;
    expect(unverified).toContain('next time: a safelist entry would not apply: neither SPF passed');
    expect(unverified).not.toContain('graywall safelist add');
  });

  it('refuses admin calls a web page could make through the browser: cross-site, or under a rebound name', async () => {
    const { request } = await import('node:http');
    const call = (headers: Record<string, string>, path = '/admin/lists/safelist') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(gw.apiUrl);
        // The path as written: node:http sends dot segments unresolved, as curl --path-as-is does.
        const req = request({ host: url.hostname, port: url.port, path, method: 'POST', headers }, (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end('{"entries":["attacker.example"]}');
      });
    // A page on another site posting text/plain (no CORS preflight).
    const csrf = await call({
      'content-type': 'text/plain',
      origin: 'http://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(csrf.status).toBe(403);
    // The same through a public prefix and a dot segment: routed as /admin/…, refused as one.
    const dotted = await call(
      { 'content-type': 'text/plain', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      '/u/../admin/lists/safelist',
    );
    expect(dotted.status).toBe(403);
    // DNS rebinding: the browser sends the attacker's name as Host.
    const rebound = await call({ host: 'rebind.evil.example', 'content-type': 'application/json' });
    expect(rebound.status).toBe(403);
    expect((await cli('safelist', 'list')).out).not.toContain('attacker.example');
  });

  it("never sends a sender's control characters to the admin's terminal", async () => {
    // RFC 2047 encoded-words that decode to ESC sequences, CR, LF and BEL: they would redraw
    // or fake lines of the output.
    const evil = Buffer.from(
      'invoice\x1b[2K\r\x1b[1A\x1b[2Kuser@example.com delivered FAKE LINE\x07\nX',
    ).toString('base64');
    const raw = rfc822(
      {
        From: `=?utf-8?B?${evil}?= <ansi@sender.example.org>`,
        To: 'pat@example.com',
        Subject: `=?utf-8?B?${evil}?=`,
        'Message-ID': '<ansi-1@x>',
      },
      'x\n',
    );
    const id = await gw.send(raw, { from: 'ansi@sender.example.org', to: ['pat@example.com'] });
    await gw.waitForState(id, ['delivered', 'quarantined']);
    for (const args of [
      ['why', id],
      ['track', id],
      ['track', '--message-id', '<ansi-1@x>'],
    ]) {
      const { out } = await cli(...args);
      expect(out).toContain(id);
      for (const control of ['\x07', '\x1b', '\r']) expect(out.includes(control)).toBe(false);
      expect(out).toContain('invoice\\u001b[2K');
      // The subject stays on its line: the forged text never starts a line of its own.
      const forged = out.split('\n').filter((line) => line.includes('FAKE LINE'));
      expect(forged.every((line) => line.includes('invoice'))).toBe(true);
    }
  });

  it('redeliver says what it cannot do: no such message, nothing refused', async () => {
    const unknown = await cli('redeliver', 'no-such-message');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no tracked message no-such-message/);
    const id = await gw.send(
      rfc822({ From: 'a@sender.example.org', To: 'pat@example.com', Subject: 'hi' }, 'x\n'),
      {
        from: 'a@sender.example.org',
        to: ['pat@example.com'],
      },
    );
    await gw.waitForState(id, ['delivered']);
    const delivered = await cli('redeliver', id);
    expect(delivered.code).toBe(1);
    expect(delivered.err).toMatch(
      /the next hop refused no recipient of message .* \(pat@example\.com: delivered\)/,
    );
  });

  it('finds messages the way an operator greps mail logs', async () => {
    const raw = rfc822(
      {
        From: 'ops@monitor.example.org',
        To: 'pat@example.com',
        Subject: 'Disk ALERT on db-7',
        'Message-ID': '<alert-77@monitor.example.org>',
      },
      'x\n',
    );
    // The envelope carries a bounce address of its own, as monitoring and bulk senders do.
    const id = await gw.send(raw, { from: 'bounces+77@mailer.example.org', to: ['pat@example.com'] });
    await gw.waitForState(id, ['delivered']);
    expect((await cli('track', '--from', 'ops@monitor.example.org', '--since', '2h')).out).toContain(id);
    expect((await cli('track', '--from', 'bounces+77@mailer.example.org')).out).toContain(id);
    expect((await cli('track', '--subject', 'disk alert', '--json')).out).toContain(id);
    expect((await cli('track', '--message-id', '<ALERT-77@monitor.example.org>')).out).toContain(id);
    expect(
      (await cli('track', '--rcpt', 'pat@example.com', '--state', 'delivered', '--verdict', 'clean')).out,
    ).toContain(id);
    expect((await cli('track', '--rcpt', 'pat@example.com', '--state', 'quarantined')).out).toContain(
      'No messages in this window.',
    );
    expect((await cli('track', '--state', 'lost')).err).toContain('state must be one of received, scanned');
    const held = await cli('quarantine', 'list', '--from', 'promo@deals.example.net', '--subject', 'why');
    expect(held.out).toContain('oli@example.com');
  });
});
