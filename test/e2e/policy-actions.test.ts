import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../functions/core/config/schema.ts';
import { type SmtpSink, startSmtpSink } from '../../functions/local/smtp-sink.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

type PositiveSettings = NonNullable<
  NonNullable<NonNullable<ConfigInput['policies']>['incoming']>[number]['positive']
>;

let gw: TestGateway;
let backupHost: SmtpSink;
let plainHost: SmtpSink;

beforeAll(async () => {
  backupHost = await startSmtpSink();
  plainHost = await startSmtpSink({ plainOnly: true });
  const policy = (name: string, recipient: string, positive: PositiveSettings) => ({
    name,
    recipients: [recipient],
    positive,
  });
  gw = await startTestGateway({
    config: testConfig({
      // Alternate hosts take their TLS settings from here, as in AWS; the local sinks have a
      // self-signed certificate, and one of them speaks no TLS at all.
      delivery: {
        type: 'smtp',
        host: 'mail.internal.example.com',
        port: 587,
        tls: 'opportunistic',
        verifyCertificate: false,
      },
      policies: {
        incoming: [
          policy('tagging', 'tag@example.com', {
            action: 'deliver',
            prependSubject: '[SPAM] ',
            appendSubject: ' (checked)',
            addHeader: { name: 'X-Policy', value: 'tagged' },
          }),
          policy('review', 'alt@example.com', {
            action: 'deliver',
            alternateRecipient: 'spam-review@example.com',
          }),
          policy('backup-host', 'althost@example.com', {
            action: 'deliver',
            alternateHost: `127.0.0.1:${backupHost.port}`,
          }),
          policy('plain-host', 'plainhost@example.com', {
            action: 'deliver',
            alternateHost: `127.0.0.1:${plainHost.port}`,
          }),
          policy('archive-drop', 'archive@example.com', { action: 'drop', archive: true }),
          policy('bouncing', 'bounce@example.com', { action: 'bounce' }),
          policy('bouncing-worded', 'bounce-worded@example.com', {
            action: 'bounce',
            bounceText: 'This address takes no advertising; write to sales@example.com instead',
          }),
          policy('dropping', 'drop@example.com', { action: 'drop' }),
          {
            name: 'no-engine',
            recipients: ['noengine@example.com'],
            engine: 'disabled',
            graymail: { marketing: { action: 'deliver', prependSubject: '[MKT] ', safeUnsubscribe: false } },
          },
          policy('held-tagged', 'held@example.com', {
            action: 'quarantine',
            prependSubject: '[HELD] ',
            addHeader: { name: 'X-Held', value: 'yes' },
          }),
        ],
      },
    }),
  });
});
afterAll(async () => {
  await gw?.stop();
  await backupHost?.stop();
  await plainHost?.stop();
});

const spam = (to: string, id: string) =>
  rfc822(
    {
      From: 'ads@promo.example.net',
      To: to,
      Subject: 'Great offer',
      'Message-ID': `<${id}@promo.example.net>`,
      'X-Advertisement': 'spam',
    },
    'Buy.\n',
  );

describe('policy actions', () => {
  it('prepends and appends subject text byte for byte and adds the custom header', async () => {
    const raw = spam('tag@example.com', 'tag-1');
    const id = await gw.send(raw, { from: 'ads@promo.example.net', to: ['tag@example.com'] });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.recipientStates[0]).toMatchObject({ policy: 'tagging', action: 'deliver' });
    const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<tag-1@promo.example.net>')));
    const text = delivered?.raw.toString('latin1') ?? '';
    expect(text).toContain('\r\nSubject: [SPAM] Great offer (checked)\r\n');
    expect(text).toMatch(
      /^X-Graywall-Filtered: true\r\nX-Graywall-Result: [\s\S]*policy=tagging\r\nX-Policy: tagged\r\n/,
    );
    expect(text.endsWith(raw.replace('Subject: Great offer', 'Subject: [SPAM] Great offer (checked)'))).toBe(
      true,
    );
  });

  it('sends one copy to the alternate recipient for all recipients of the group', async () => {
    const id = await gw.send(spam('alt@example.com', 'alt-1'), {
      from: 'ads@promo.example.net',
      to: ['alt@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered']);
    const copies =
      gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<alt-1@promo.example.net>'))) ?? [];
    expect(copies).toHaveLength(1);
    expect(copies[0]?.recipients).toEqual(['spam-review@example.com']);
    expect(record.events.find((e) => e.type === 'delivered')?.detail).toContain(
      'to alternate recipient spam-review@example.com',
    );
    // The recipients table says so too, not just "delivered".
    expect(record.recipientStates[0]?.response).toMatch(/^to spam-review@example\.com: 250 /);
  });

  it('delivers to the alternate host instead of the normal one', async () => {
    const id = await gw.send(spam('althost@example.com', 'host-1'), {
      from: 'ads@promo.example.net',
      to: ['althost@example.com'],
    });
    await gw.waitForState(id, ['delivered']);
    const there = await backupHost.waitFor((m) => m.raw.includes(Buffer.from('<host-1@promo.example.net>')));
    expect(there.recipients).toEqual(['althost@example.com']);
    expect(gw.sink?.messages.some((m) => m.raw.includes(Buffer.from('<host-1@promo.example.net>')))).toBe(
      false,
    );
  });

  it("reaches an alternate host with the config's TLS settings, not the built-in sink's", async () => {
    // tls: opportunistic: a host that offers no STARTTLS gets the message in plain SMTP.
    const id = await gw.send(spam('plainhost@example.com', 'host-2'), {
      from: 'ads@promo.example.net',
      to: ['plainhost@example.com'],
    });
    await gw.waitForState(id, ['delivered']);
    const there = await plainHost.waitFor((m) => m.raw.includes(Buffer.from('<host-2@promo.example.net>')));
    expect(there.recipients).toEqual(['plainhost@example.com']);
  });

  it('archives a copy readable as mbox, then drops the message as tracked', async () => {
    const raw = `${spam('archive@example.com', 'arch-1')}From the desk of the CEO\r\n`;
    const id = await gw.send(raw, { from: 'ads@promo.example.net', to: ['archive@example.com'] });
    const record = await gw.waitForState(id, ['dropped']);
    const archived = record.events.find((e) => e.type === 'archived');
    const key = /to (archive\/\S+)/.exec(archived?.detail ?? '')?.[1] ?? '';
    expect(key).toMatch(new RegExp(`^archive/\\d{4}/\\d{2}/\\d{2}/archive-drop/${id}\\.mbox$`));
    const mbox = (await gw.deps.mail.get(key)).toString('latin1');
    expect(mbox).toMatch(/^From ads@promo\.example\.net \w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}\n/);
    expect(mbox).toContain('\n>From the desk of the CEO\n');
    expect(mbox.endsWith('\n\n')).toBe(true);
    expect(mbox).not.toContain('\r\n');
  });

  it('bounces with a DSN when the sender is authenticated', async () => {
    const id = await gw.inject(
      spam('bounce@example.com', 'bounce-1'),
      { from: 'ads@promo.example.net', to: ['bounce@example.com'] },
      { ses: { spfVerdict: { status: 'PASS' } } },
    );
    const record = await gw.waitForState(id, ['bounced']);
    expect(record.recipientStates[0]?.response).toMatch(/^DSN sent to <ads@promo\.example\.net>/);
    const dsn = await gw.sink?.waitFor(
      (m) =>
        m.recipients.includes('ads@promo.example.net') && m.raw.includes(Buffer.from('multipart/report')),
    );
    expect(dsn?.envelopeFrom).toBe('');
    const text = dsn?.raw.toString('latin1') ?? '';
    expect(text).toContain('Content-Type: multipart/report; report-type=delivery-status;');
    expect(text).toContain('Final-Recipient: rfc822; bounce@example.com\r\nAction: failed\r\nStatus: 5.7.1');
    expect(text).toContain('Message-ID: <bounce-1@promo.example.net>');
    expect(text).not.toContain('Buy.');
    // The sender learns that a policy refused the message; only the admin learns which one.
    expect(text).toContain("Reason: Message rejected by the recipient's mail policy\r\n");
    expect(text).not.toContain('bouncing');
    expect(record.recipientStates[0]?.policy).toBe('bouncing');
  });

  it("tells the sender the policy's own bounceText when it has one", async () => {
    const id = await gw.inject(
      spam('bounce-worded@example.com', 'bounce-w'),
      { from: 'ads@promo.example.net', to: ['bounce-worded@example.com'] },
      { ses: { spfVerdict: { status: 'PASS' } } },
    );
    await gw.waitForState(id, ['bounced']);
    const dsn = await gw.sink?.waitFor(
      (m) => m.recipients.includes('ads@promo.example.net') && m.raw.includes(Buffer.from('<bounce-w@')),
    );
    const text = dsn?.raw.toString('latin1') ?? '';
    expect(text).toContain(
      'Reason: This address takes no advertising; write to sales@example.com instead\r\n',
    );
    expect(text).toContain(
      'Diagnostic-Code: smtp; 550 5.7.1 This address takes no advertising; write to sales@example.com instead',
    );
    expect(text).not.toContain('bouncing-worded');
  });

  it('refuses to bounce to an unauthenticated (possibly forged) sender and drops instead', async () => {
    const id = await gw.inject(
      spam('bounce@example.com', 'bounce-2'),
      { from: 'ads@promo.example.net', to: ['bounce@example.com'] },
      { ses: { spfVerdict: { status: 'FAIL' } } },
    );
    const record = await gw.waitForState(id, ['dropped']);
    expect(record.events.find((e) => e.type === 'dropped')?.detail).toMatch(
      /Not bounced .*the sender is not authenticated \(SPF FAIL/,
    );
  });

  it('bounces on a DMARC pass only to a return path in the From domain: DMARC does not vouch for another', async () => {
    // Signed by promo.example.net (DMARC passes), return path forged to a third party.
    const forged = await gw.inject(
      spam('bounce@example.com', 'bounce-3'),
      { from: 'victim@elsewhere.example', to: ['bounce@example.com'] },
      { ses: { spfVerdict: { status: 'FAIL' }, dmarcVerdict: { status: 'PASS' } } },
    );
    const dropped = await gw.waitForState(forged, ['dropped']);
    expect(dropped.events.find((e) => e.type === 'dropped')?.detail).toContain(
      'DMARC vouches for the From domain, not for <victim@elsewhere.example> in another domain',
    );
    expect(gw.sink?.messages.some((m) => m.recipients.includes('victim@elsewhere.example'))).toBe(false);

    const aligned = await gw.inject(
      spam('bounce@example.com', 'bounce-4'),
      { from: 'bounces@promo.example.net', to: ['bounce@example.com'] },
      { ses: { spfVerdict: { status: 'FAIL' }, dmarcVerdict: { status: 'PASS' } } },
    );
    const bounced = await gw.waitForState(aligned, ['bounced']);
    expect(bounced.recipientStates[0]?.response).toMatch(/^DSN sent to <bounces@promo\.example\.net>/);
  });

  it('puts the tags and header of a quarantine action on the copy released later, per policy', async () => {
    // held@ is under "held-tagged", carol@ under the default policy (quarantine, untagged).
    const id = await gw.send(spam('held@example.com, carol@example.com', 'held-1'), {
      from: 'ads@promo.example.net',
      to: ['held@example.com', 'carol@example.com'],
    });
    await gw.waitForState(id, ['quarantined']);
    const released = await gw.api('POST', `/admin/quarantine/${id}/release`, {});
    expect(released.status).toBe(200);
    const copies = await Promise.all(
      ['held@example.com', 'carol@example.com'].map((to) =>
        gw.sink?.waitFor(
          (m) => m.recipients.includes(to) && m.raw.includes(Buffer.from('<held-1@promo.example.net>')),
        ),
      ),
    );
    const [held, carol] = copies.map((m) => m?.raw.toString('latin1') ?? '');
    expect(held).toContain('Subject: [HELD] Great offer');
    expect(held).toMatch(/^X-Held: yes$/m);
    expect(held).toContain('policy=held-tagged');
    expect(carol).toContain('Subject: Great offer');
    expect(carol).not.toContain('X-Held');
    expect(carol).toContain('policy=default');
  });

  it("applies a recipient's graymail action when its policy makes positive spam not spam", async () => {
    // Positive at the global thresholds; for noengine@ the engine is off, so it is marketing.
    const raw = rfc822(
      {
        From: 'deals@shop.example.net',
        To: 'noengine@example.com, carol@example.com',
        Subject: 'Spring sale',
        'Message-ID': '<mkt-1@shop.example.net>',
        'X-Advertisement': 'spam',
        'List-Unsubscribe': '<https://shop.example.net/u>',
        'Feedback-ID': 'c1:shop:esp',
      },
      'Our spring sale starts today.\n',
    );
    const id = await gw.send(raw, {
      from: 'deals@shop.example.net',
      to: ['noengine@example.com', 'carol@example.com'],
    });
    const record = await gw.waitForState(id, ['mixed']);
    expect(record.graymail?.category).toBe('marketing');
    // Positive by its score, not spam under noengine@'s policy: a search finds it by either.
    expect(record.policyVerdicts).toEqual(['clean']);
    for (const verdict of ['positive', 'clean']) {
      const found = await gw.api<{ items: Array<{ messageId: string }> }>(
        'GET',
        `/admin/messages?verdict=${verdict}&since=1h&sender=deals@shop.example.net`,
      );
      expect(
        found.body.items.map((m) => m.messageId),
        verdict,
      ).toContain(id);
    }
    expect(record.recipientStates.find((r) => r.recipient === 'carol@example.com')?.state).toBe(
      'quarantined',
    );
    const copy = await gw.sink?.waitFor(
      (m) =>
        m.recipients.includes('noengine@example.com') &&
        m.raw.includes(Buffer.from('<mkt-1@shop.example.net>')),
    );
    // Unfolded (RFC 5322 §2.2.3): our result header is folded at 78 characters.
    const text = (copy?.raw.toString('latin1') ?? '').replace(/\r?\n[ \t]/g, ' ');
    expect(text).toContain('Subject: [MKT] Spring sale');
    // Anti-spam is off for noengine@: the copy must not read as scored.
    expect(text).not.toContain('X-Graywall-Filtered');
    expect(text).toMatch(
      /^X-Graywall-Result: verdict=not scanned; engine=disabled by policy; graymail=marketing; policy=no-engine\r?$/m,
    );
  });

  it('drops, and the tracking record says by which policy', async () => {
    const id = await gw.send(spam('drop@example.com', 'drop-1'), {
      from: 'ads@promo.example.net',
      to: ['drop@example.com'],
    });
    const record = await gw.waitForState(id, ['dropped']);
    expect(record.events.at(-1)?.detail).toBe('Dropped by policy "dropping" (positive)');
    expect(gw.sink?.messages.some((m) => m.raw.includes(Buffer.from('<drop-1@promo.example.net>')))).toBe(
      false,
    );
  });

  it('splits a message whose recipients are under two policies and tracks each', async () => {
    const id = await gw.send(spam('tag@example.com, carol@example.com', 'split-1'), {
      from: 'ads@promo.example.net',
      to: ['tag@example.com', 'carol@example.com'],
    });
    const record = await gw.waitForState(id, ['mixed']);
    expect(Object.fromEntries(record.recipientStates.map((r) => [r.recipient, [r.state, r.policy]]))).toEqual(
      {
        'tag@example.com': ['delivered', 'tagging'],
        'carol@example.com': ['quarantined', 'default'],
      },
    );
    const delivered =
      gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<split-1@promo.example.net>'))) ?? [];
    expect(delivered.map((m) => m.recipients)).toEqual([['tag@example.com']]);
  });
});
