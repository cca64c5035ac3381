import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeDns } from '../support/fake-dns.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

/**
 * Sender authentication as a user meets it: mail arrives over SMTP at the gateway, which
 * checks SPF, DKIM and DMARC against DNS as SES does on receipt (here DNS is a zone held in
 * memory, published for the test's senders), and the verdicts show up in the score's
 * reasons, in the delivered message's Authentication-Results, and in which policy table
 * applies. The SMTP client always connects from 127.0.0.1, so that is the IP SPF checks.
 */
const dns = fakeDns({
  'allowed.example TXT': 'v=spf1 ip4:127.0.0.1 -all',
  'forbidden.example TXT': 'v=spf1 ip4:192.0.2.1 -all',
  '_dmarc.forbidden.example TXT': 'v=DMARC1; p=reject',
  // Our own domain: mail from it is outgoing only when SPF passes for it.
  'example.com TXT': 'v=spf1 ip4:127.0.0.1 -all',
});

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    authResolver: dns,
    config: testConfig({
      antispam: {
        // Every test connection comes from 127.0.0.1: playing the organisation's own relay,
        // which writes the sending IP into X-Originating-IP.
        relays: [{ name: 'corp-relay', addresses: ['127.0.0.1/32'], header: 'X-Originating-IP' }],
      },
      policies: {
        incoming: [{ name: 'strangers', senders: ['forbidden.example'], positive: { action: 'drop' } }],
        outgoing: [
          {
            name: 'internal',
            recipients: ['example.com'],
            positive: { action: 'deliver', prependSubject: '[INTERNAL SPAM?] ' },
          },
        ],
      },
    }),
  });
});
afterAll(async () => {
  await gw?.stop();
});

const message = (from: string, id: string, extra: Record<string, string> = {}) =>
  rfc822(
    { From: from, To: 'alice@example.com', Subject: `Note ${id}`, 'Message-ID': `<${id}@test>`, ...extra },
    'See you at the meeting.\n',
  );

const delivered = (id: string) =>
  gw.sink?.waitFor((m) => m.raw.toString('latin1').includes(`<${id}@test>`)) ??
  Promise.reject(new Error('no sink'));

describe('sender authentication on receipt', () => {
  it('scores an SPF and DMARC failure, explains it and records it on the message', async () => {
    const id = await gw.send(message('bob@forbidden.example', 'spf-fail'), {
      from: 'bob@forbidden.example',
      to: ['alice@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered', 'dropped', 'quarantined']);
    const reasons = record.scan?.reasons.map((r) => r.id) ?? [];
    expect(reasons).toEqual(expect.arrayContaining(['SPF_FAIL', 'DMARC_FAIL_REJECT']));
    expect(record.scan?.reasons.find((r) => r.id === 'SPF_FAIL')?.evidence).toMatch(/spf=fail/);
    expect(dns.queries).toContain('forbidden.example TXT');
    // The timeline says what the checks found, the first thing an operator asks.
    expect(record.events.find((e) => e.type === 'scanned')?.detail).toContain(
      'Sender authentication (inbound-smtp.graywall.local): SPF fail for forbidden.example; DKIM none (unsigned); DMARC fail for forbidden.example (p=reject)',
    );
  });

  it('passes SPF for an authorised sender and writes Authentication-Results for the mail host', async () => {
    const id = await gw.send(message('carol@allowed.example', 'spf-pass'), {
      from: 'carol@allowed.example',
      to: ['alice@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.scan?.reasons.map((r) => r.id)).not.toContain('SPF_FAIL');
    const raw = (await delivered('spf-pass')).raw.toString('latin1');
    expect(raw).toMatch(/^Authentication-Results: [^;]+;[\s\S]*?spf=pass/m);
    expect(raw).toMatch(/^Received-SPF: pass/m);
  });
});

describe('outgoing policies', () => {
  it('applies the outgoing table to SPF-authenticated mail from our own domain', async () => {
    const id = await gw.send(message('ann@example.com', 'own-pass'), {
      from: 'ann@example.com',
      to: ['alice@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.recipientStates[0]?.policy).toBe('internal');
  });

  it('scans a forged own-domain sender under the incoming policies', async () => {
    // SPF for a subdomain nobody published is "none": the sender is only a claim.
    const id = await gw.send(message('ceo@payroll.example.com', 'own-forged'), {
      from: 'ceo@payroll.example.com',
      to: ['alice@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.recipientStates[0]?.policy).toBe('default');
  });
});

describe('relays', () => {
  it('takes the sender IP from the header a configured relay writes', async () => {
    const id = await gw.send(
      message('dave@allowed.example', 'relayed', { 'X-Originating-IP': '[198.51.100.7]' }),
      {
        from: 'dave@allowed.example',
        to: ['alice@example.com'],
      },
    );
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.remoteIp).toBe('198.51.100.7');
    expect(record.events.find((e) => e.type === 'scanned')?.detail).toMatch(/relay "corp-relay"/);
  });

  it('never lets a leading indented line of the message join our Authentication-Results', async () => {
    // Folded into the field written above it (RFC 5322 §2.2.3), this line would read
    // "dkim=pass header.d=bank.test" under our authserv-id.
    const raw = ` ; dkim=pass header.d=bank.test header.s=s1\r\n${message('ceo@bank.test', 'orphan').toString()}`;
    const id = await gw.send(raw, { from: 'ceo@bank.test', to: ['alice@example.com'] });
    const record = await gw.waitForState(id, ['delivered', 'quarantined']);
    const scanned = record.events.find((e) => e.type === 'scanned')?.detail ?? '';
    expect(scanned).toContain('DKIM none (unsigned)');
    expect(scanned).not.toContain('bank.test (s1)');
    const copy = (await delivered('orphan'))?.raw.toString('latin1') ?? '';
    const ours = /^Authentication-Results: inbound-smtp\.graywall\.local;[^\n]*(\n[ \t][^\n]*)*/m.exec(
      copy,
    )?.[0];
    expect(ours).toBeDefined();
    expect(ours).not.toContain('header.d=bank.test');
  });
});
