import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Submission } from '../../functions/core/submissions/submission.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

/**
 * The submission mailbox round trip as a user makes it: forward a message as an attachment
 * from a mail client (over SMTP to the gateway, which checks SPF as SES does), and find it
 * filed for training under the right category, with the mailbox's recipient state and event
 * in the tracking record. Outsiders and forged senders are refused, and tracked as refused.
 */
let gw: TestGateway;
let cli: CliRun;

beforeAll(async () => {
  gw = await startTestGateway({
    // Our domain authorises the test client's address; a subdomain publishes nothing.
    authResolver: fakeDns({ 'example.com TXT': 'v=spf1 ip4:127.0.0.1 -all' }),
    config: testConfig({
      submissions: {
        mailboxes: [
          { address: 'spam@example.com', category: 'missed-spam' },
          { address: 'report@example.com' },
        ],
      },
    }),
  });
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

const original = (id: string) =>
  [
    'From: Prize Desk <winner@promo.example.net>',
    'To: alice@example.com',
    'Subject: You have won',
    `Message-ID: <${id}@promo.example.net>`,
    '',
    'Claim your prize today.',
    '',
  ].join('\r\n');

const forward = (from: string, to: string, subject: string, attached: string[]): Promise<Buffer> =>
  new MailComposer({
    from,
    to,
    subject,
    text: 'This got through.',
    attachments: attached.map((content, i) => ({
      content,
      contentType: 'message/rfc822',
      filename: `fwd-${i}.eml`,
    })),
  })
    .compile()
    .build();

const submissions = async (): Promise<Submission[]> => {
  const run = await cli('submissions', '--json', '--limit', '500');
  return (JSON.parse(run.out) as { items: Submission[] }).items;
};

describe('the submission mailbox', () => {
  it('files each attached message under the mailbox category, reported by the authenticated sender', async () => {
    const raw = await forward('alice@example.com', 'spam@example.com', 'FYI', [
      original('a1'),
      original('a2'),
    ]);
    const id = await gw.send(raw.toString('latin1'), { from: 'alice@example.com', to: ['spam@example.com'] });
    const record = await gw.waitForState(id, ['delivered', 'dropped']);
    expect(record.state).toBe('delivered');
    expect(record.scan).toBeUndefined();
    const event = record.events.find((e) => e.type === 'submitted');
    expect(event?.detail).toMatch(
      /^Filed by submission mailbox spam@example.com as spam Graywall did not catch, reported by alice@example.com: submission \S+, \S+$/,
    );
    const filed = (await submissions()).filter(
      (s) => s.note === `forwarded to spam@example.com in message ${id}`,
    );
    expect(filed).toHaveLength(2);
    for (const submission of filed) {
      expect(submission).toMatchObject({
        category: 'missed-spam',
        source: 'mailbox',
        submittedBy: 'alice@example.com',
      });
      expect(submission.subject).toBe('You have won');
    }
    const bodies = await Promise.all(filed.map((s) => gw.deps.submissions.raw(s.id)));
    expect(bodies.map((b) => b.toString('latin1')).sort()).toEqual([original('a1'), original('a2')].sort());
    expect(gw.sink?.messages.some((m) => m.recipients.includes('spam@example.com'))).toBe(false);
  });

  it('files the first ten messages of a bigger forward and says the rest were not filed', async () => {
    const raw = await forward(
      'alice@example.com',
      'spam@example.com',
      'a lot',
      Array.from({ length: 11 }, (_, i) => original(`many-${i}`)),
    );
    const id = await gw.send(raw.toString('latin1'), { from: 'alice@example.com', to: ['spam@example.com'] });
    const record = await gw.waitForState(id, ['delivered', 'dropped']);
    const detail = record.events.find((e) => e.type === 'submitted')?.detail ?? '';
    expect(detail.match(/: submission (.*?);/)?.[1]?.split(', ')).toHaveLength(10);
    expect(detail).toContain(
      'not filed: more than 10 messages attached: the rest were not filed (forward them in another message)',
    );
  });

  it('reads the category from the subject at a general mailbox, and delivers to people copied as usual', async () => {
    const raw = await forward('alice@example.com', 'report@example.com, carol@example.com', 'Not spam', [
      original('b1'),
    ]);
    const id = await gw.send(raw.toString('latin1'), {
      from: 'alice@example.com',
      to: ['report@example.com', 'carol@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered', 'mixed', 'dropped', 'quarantined']);
    expect(record.recipientStates.map((r) => [r.recipient, r.state])).toEqual(
      expect.arrayContaining([
        ['report@example.com', 'delivered'],
        ['carol@example.com', 'delivered'],
      ]),
    );
    expect((await submissions()).find((s) => s.note?.includes(id))?.category).toBe('not-spam');
    const delivered = gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('fwd-0.eml'))) ?? [];
    expect(delivered.map((m) => m.recipients)).toContainEqual(['carol@example.com']);
    expect(delivered.flatMap((m) => m.recipients)).not.toContain('report@example.com');
  });

  it('refuses, and tracks, outsiders, unauthenticated own-domain senders and unnamed categories', async () => {
    const cases = [
      {
        from: 'eve@other.example',
        to: 'spam@example.com',
        subject: 'spam',
        why: /is not in the organisation's domains/,
      },
      // A subdomain of ours without SPF: the address is only a claim.
      {
        from: 'ceo@eu.example.com',
        to: 'spam@example.com',
        subject: 'spam',
        why: /the sender is not authenticated \(SPF [A-Z_]+, DMARC [A-Z_]+\): anyone can write our domain/,
      },
      {
        from: 'alice@example.com',
        to: 'report@example.com',
        subject: 'Fwd: look',
        why: /the subject names no category/,
      },
    ];
    const before = (await submissions()).length;
    for (const c of cases) {
      const raw = await forward(c.from, c.to, c.subject, [original('c')]);
      const id = await gw.send(raw.toString('latin1'), { from: c.from, to: [c.to] });
      const record = await gw.waitForState(id, ['dropped', 'delivered']);
      expect(record.state).toBe('dropped');
      expect(record.recipientStates[0]?.response).toMatch(c.why);
      expect(record.events.find((e) => e.type === 'submission-refused')?.detail).toMatch(c.why);
    }
    expect(await submissions()).toHaveLength(before);
  });
});
