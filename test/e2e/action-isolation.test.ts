import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrackingRecord } from '../../functions/core/tracking/types.ts';
import { type SmtpSink, startSmtpSink } from '../../functions/local/smtp-sink.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

// One recipient's alternate host is down while the others' policies quarantine, drop or
// deliver: each recipient group is acted on by itself, and only the failed one is retried.

/** Alternate hosts take their TLS settings from here; the local sinks' certificate is self-signed. */
const TO_LOCAL_SINKS = {
  type: 'smtp',
  host: 'mail.internal.example.com',
  port: 587,
  tls: 'opportunistic',
  verifyCertificate: false,
} as const;

let gw: TestGateway;
/** Legal's alternate host; undefined while it is down. */
let legalHost: SmtpSink | undefined;
let legalPort: number;

beforeAll(async () => {
  // Bind a free port, then let it go: connections to it are refused until the host comes back.
  const probe = await startSmtpSink();
  legalPort = probe.port;
  await probe.stop();
  gw = await startTestGateway({
    config: testConfig({
      // Enough attempts (1 s, 2 s, 4 s ... apart) for the host to come back in between.
      pipeline: { maxReceiveCount: 3, deliveryAttempts: 6 },
      delivery: TO_LOCAL_SINKS,
      policies: {
        incoming: [
          {
            name: 'legal',
            recipients: ['legal@example.com'],
            positive: { action: 'deliver', alternateHost: `127.0.0.1:${legalPort}`, archive: true },
          },
          { name: 'dropping', recipients: ['drop@example.com'], positive: { action: 'drop' } },
          {
            name: 'tagging',
            recipients: ['tag@example.com'],
            positive: { action: 'deliver', prependSubject: '[SPAM] ' },
          },
        ],
      },
    }),
    // Mail from verified.example.org sent from this machine passes SPF: its sender can be told.
    authResolver: fakeDns({ 'verified.example.org TXT': 'v=spf1 ip4:127.0.0.1 -all' }),
  });
});
afterEach(async () => {
  await takeLegalHostDown();
});
afterAll(async () => {
  await gw?.stop();
});

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const gtube = (to: string[], id: string) =>
  rfc822(
    {
      From: 'tester@sender.example.org',
      To: to.join(', '),
      Subject: 'policy test',
      'Message-ID': `<${id}@sender.example.org>`,
    },
    `${GTUBE}\n`,
  );

const stateOf = (record: TrackingRecord | undefined, recipient: string) =>
  record?.recipientStates.find((r) => r.recipient === recipient)?.state;

/** Polls the tracking record until `done` holds for it. */
const waitFor = (id: string, done: (record: TrackingRecord) => boolean) => waitForIn(gw, id, done);

async function waitForIn(
  gateway: TestGateway,
  id: string,
  done: (record: TrackingRecord) => boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: TrackingRecord | undefined;
  while (Date.now() < deadline) {
    last = await gateway.deps.tracking.get(id);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `message ${id} did not get there within ${timeoutMs} ms; last: ${JSON.stringify(last, null, 1)}`,
  );
}

const count = (record: TrackingRecord, type: string) => record.events.filter((e) => e.type === type).length;

async function bringLegalHostBack(): Promise<SmtpSink> {
  legalHost = await startSmtpSink({ port: legalPort });
  return legalHost;
}

async function takeLegalHostDown(): Promise<void> {
  await legalHost?.stop();
  legalHost = undefined;
}

describe('a message whose recipients are under different policies', () => {
  it('is quarantined, dropped and delivered for the others at once while one alternate host is down', async () => {
    const recipients = ['legal@example.com', 'carol@example.com', 'drop@example.com', 'tag@example.com'];
    const id = await gw.send(gtube(recipients, 'iso-1'), {
      from: 'tester@sender.example.org',
      to: recipients,
    });

    // Prepare: the other recipients are handled on the first attempt, legal's copy is not.
    const handled = await waitFor(
      id,
      (r) =>
        stateOf(r, 'carol@example.com') === 'quarantined' &&
        stateOf(r, 'drop@example.com') === 'dropped' &&
        stateOf(r, 'tag@example.com') === 'delivered',
    );
    expect(count(handled, 'delivery-failed')).toBeLessThanOrEqual(1);
    expect(stateOf(handled, 'legal@example.com')).not.toBe('delivered');
    expect(await gw.deps.quarantine.get(id, 'carol@example.com')).toMatchObject({ state: 'quarantined' });

    // Act: legal's delivery is retried (and fails) until its host comes back.
    const retried = await waitFor(id, (r) => count(r, 'delivery-failed') >= 2);
    expect(retried.events.find((e) => e.type === 'stage-failed')?.detail).toMatch(
      /^action attempt 1 of 6 failed: ActionIncompleteError: 1 of 4 recipient groups not done: policy "legal" \(legal@example\.com\): DeliveryError: .*will retry in 1 s$/,
    );
    const host = await bringLegalHostBack();
    const record = await waitFor(id, (r) => stateOf(r, 'legal@example.com') === 'delivered');

    // Assess: legal got one copy; the other recipients were acted on once, not per retry.
    expect(record.state).toBe('mixed');
    expect(host.messages.map((m) => m.recipients)).toEqual([['legal@example.com']]);
    const tagged = gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<iso-1@sender.example.org>')));
    expect(tagged?.map((m) => m.recipients)).toEqual([['tag@example.com']]);
    expect(count(record, 'quarantined')).toBe(1);
    expect(count(record, 'dropped')).toBe(1);
    expect(count(record, 'delivered')).toBe(2);
    // Every failure was legal's alone.
    for (const failed of record.events.filter((e) => e.type === 'delivery-failed'))
      expect(failed.recipients).toEqual(['legal@example.com']);
  });

  it('archives once, however many attempts the delivery takes', async () => {
    const id = await gw.send(gtube(['legal@example.com'], 'iso-2'), {
      from: 'tester@sender.example.org',
      to: ['legal@example.com'],
    });
    await waitFor(id, (r) => count(r, 'delivery-failed') >= 3);
    await bringLegalHostBack();

    const record = await gw.waitForState(id, ['delivered']);

    expect(count(record, 'archived')).toBe(1);
    const archived = record.events.find((e) => e.type === 'archived');
    const key = /to (archive\/\S+)/.exec(archived?.detail ?? '')?.[1] ?? '';
    expect((await gw.deps.mail.get(key)).toString('latin1')).toContain('<iso-2@sender.example.org>');
    // Archived before the first attempt at the delivery, not after the one that worked.
    const types = record.events.map((e) => e.type);
    expect(types.indexOf('archived')).toBeLessThan(types.indexOf('delivery-failed'));
  });

  it('records a permanent refusal for its recipient and retries nothing: the others are done', async () => {
    const host = await bringLegalHostBack();
    host.refuseWith({ code: 554, message: '5.7.1 no mail for legal from here' });
    const recipients = ['legal@example.com', 'carol@example.com'];
    const id = await gw.send(gtube(recipients, 'iso-3'), {
      from: 'tester@sender.example.org',
      to: recipients,
    });

    // Legal's copy refused for good and carol's quarantined: both settled, each its own way.
    await waitFor(
      id,
      (r) => stateOf(r, 'legal@example.com') === 'error' && stateOf(r, 'carol@example.com') === 'quarantined',
    );
    // Longer than the first retry's wait (1 s): a retry would have shown by now.
    await new Promise((r) => setTimeout(r, 2_500));
    const later = (await gw.deps.tracking.get(id)) as TrackingRecord;

    expect(later.state).toBe('mixed');
    expect(later.recipientStates.find((r) => r.recipient === 'legal@example.com')).toMatchObject({
      state: 'error',
      action: 'deliver',
      response: expect.stringContaining('554 5.7.1 no mail for legal from here'),
    });
    expect(count(later, 'delivery-rejected')).toBe(1);
    expect(count(later, 'stage-failed')).toBe(0);
    expect(count(later, 'dead-lettered')).toBe(0);
    // The sender is not authenticated: a notice could be backscatter to a forged address.
    expect(later.events.find((e) => e.type === 'sender-not-notified')?.detail).toMatch(
      /^The sender was not told of the refusal: the sender is not authenticated/,
    );
  });

  it('delivers a refused recipient again on `redeliver`, once the cause is fixed, and no one else', async () => {
    const host = await bringLegalHostBack();
    host.refuseWith({ code: 554, message: '5.7.1 relaying denied for 203.0.113.9' });
    const recipients = ['legal@example.com', 'carol@example.com'];
    const id = await gw.send(gtube(recipients, 'iso-redeliver'), {
      from: 'tester@sender.example.org',
      to: recipients,
    });
    await waitFor(
      id,
      (r) => stateOf(r, 'legal@example.com') === 'error' && stateOf(r, 'carol@example.com') === 'quarantined',
    );
    // Nothing to deliver again for carol: her copy is held, not refused.
    const nothing = await gw.api('POST', `/admin/messages/${id}/redeliver`, {
      recipients: ['carol@example.com'],
    });
    expect(nothing.status).toBe(409);

    // The relay is fixed.
    host.refuseWith(undefined);
    const asked = await gw.api('POST', `/admin/messages/${id}/redeliver`);
    expect(asked).toMatchObject({
      status: 202,
      body: {
        queued: ['legal@example.com'],
        unchanged: [{ recipient: 'carol@example.com', state: 'quarantined' }],
      },
    });
    const record = await waitFor(id, (r) => stateOf(r, 'legal@example.com') === 'delivered');
    expect(stateOf(record, 'carol@example.com')).toBe('quarantined');
    expect(host.messages.filter((m) => m.raw.includes(Buffer.from('<iso-redeliver@')))).toHaveLength(1);
    expect(record.events.find((e) => e.type === 'redelivery-requested')?.detail).toMatch(
      /^Delivery asked again by .+ after the next hop's refusal$/,
    );
    // Carol's copy was not quarantined twice.
    expect(record.events.filter((e) => e.type === 'quarantined')).toHaveLength(1);
  });

  it("tells an authenticated sender, with the next hop's reply (RFC 5321 §6.1: we had accepted it)", async () => {
    const host = await bringLegalHostBack();
    host.refuseWith({ code: 550, message: '5.1.1 <legal@example.com>: user unknown' });
    const id = await gw.send(gtube(['legal@example.com'], 'iso-ndr'), {
      from: 'tester@verified.example.org',
      to: ['legal@example.com'],
    });
    await waitFor(id, (r) => r.events.some((e) => e.type === 'sender-notified'));

    const report = await gw.sink?.waitFor(
      (m) => m.recipients.includes('tester@verified.example.org') && m.raw.includes(Buffer.from('<iso-ndr@')),
    );
    expect(report?.envelopeFrom).toBe('');
    const text = report?.raw.toString('latin1') ?? '';
    expect(text).toContain('Final-Recipient: rfc822; legal@example.com\r\nAction: failed\r\nStatus: 5.1.1');
    expect(text).toContain(
      "Reason: The recipient's mail server refused the message: 550 5.1.1 <legal@example.com>: user unknown",
    );
    expect(text).not.toContain('policy "legal"');
  });

  it("names each refused recipient's own RCPT reply, not the reply that took the others' copy", async () => {
    gw.sink?.refuseRecipients((address) => address === 'nouser@example.com', {
      code: 550,
      message: '5.1.1 <nouser@example.com>: user unknown',
    });
    try {
      const recipients = ['nouser@example.com', 'carol@example.com'];
      const id = await gw.send(
        rfc822(
          {
            From: 'tester@verified.example.org',
            To: recipients.join(', '),
            Subject: 'lunch',
            'Message-ID': '<iso-rcpt@x>',
          },
          'Lunch at noon?\n',
        ),
        { from: 'tester@verified.example.org', to: recipients },
      );
      const record = await waitFor(id, (r) => r.events.some((e) => e.type === 'sender-notified'));
      expect(record.recipientStates.find((r) => r.recipient === 'nouser@example.com')).toMatchObject({
        state: 'error',
        response: '550 5.1.1 <nouser@example.com>: user unknown',
      });
      expect(stateOf(record, 'carol@example.com')).toBe('delivered');
      const report = await gw.sink?.waitFor(
        (m) =>
          m.recipients.includes('tester@verified.example.org') && m.raw.includes(Buffer.from('<iso-rcpt@x>')),
      );
      const text = report?.raw.toString('latin1') ?? '';
      expect(text).toContain(
        'Final-Recipient: rfc822; nouser@example.com\r\nAction: failed\r\nStatus: 5.1.1',
      );
      expect(text).not.toContain('Final-Recipient: rfc822; carol@example.com');
      expect(text).toContain('user unknown');
    } finally {
      gw.sink?.refuseRecipients(undefined);
    }
  });
});

describe('a message whose one group runs out of retries', () => {
  let short: TestGateway;
  let refusing: SmtpSink;
  let down: number;

  beforeAll(async () => {
    const probe = await startSmtpSink();
    down = probe.port;
    await probe.stop();
    refusing = await startSmtpSink();
    refusing.refuseWith({ code: 550, message: '5.1.1 no such mailbox' });
    short = await startTestGateway({
      config: testConfig({
        pipeline: { maxReceiveCount: 3, deliveryAttempts: 2 },
        delivery: TO_LOCAL_SINKS,
        policies: {
          incoming: [
            {
              name: 'legal',
              recipients: ['legal@example.com'],
              positive: { action: 'deliver', alternateHost: `127.0.0.1:${down}` },
            },
            {
              name: 'refused',
              recipients: ['gone@example.com'],
              positive: { action: 'deliver', alternateHost: `127.0.0.1:${refusing.port}` },
            },
          ],
        },
      }),
    });
  });
  afterAll(async () => {
    await short?.stop();
    await refusing?.stop();
  });

  it('is dead-lettered naming only what is left undone; the rest keeps its outcome', async () => {
    const recipients = ['legal@example.com', 'carol@example.com', 'gone@example.com'];
    const id = await short.send(gtube(recipients, 'iso-4'), {
      from: 'tester@sender.example.org',
      to: recipients,
    });

    const record = await waitForIn(short, id, (r) => count(r, 'dead-lettered') > 0);

    expect(record.events.find((e) => e.type === 'dead-lettered')?.recipients).toEqual(['legal@example.com']);
    expect(stateOf(record, 'legal@example.com')).toBe('error');
    expect(stateOf(record, 'carol@example.com')).toBe('quarantined');
    // The refusal stays what the recipient's record says, not overwritten by the dead letter.
    expect(record.recipientStates.find((r) => r.recipient === 'gone@example.com')?.response).toContain(
      '550 5.1.1 no such mailbox',
    );
    expect(count(record, 'delivery-rejected')).toBe(1);
    expect(count(record, 'quarantined')).toBe(1);
  });
});
