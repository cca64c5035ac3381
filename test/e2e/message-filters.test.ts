import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhy } from '../../functions/cli/format.ts';
import { headerValues, readHeaderBlock } from '../../functions/core/mime/raw-message.ts';
import type { TrackingRecord } from '../../functions/core/tracking/types.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

/**
 * Message filters as an admin meets them: mail arrives over SMTP at the gateway, a filter
 * whose conditions all hold skips a check, and the tracking record, the recipient's state
 * and the delivered bytes show it. Every "skipped" case has a control that differs only in
 * the condition under test and is acted on, so each assertion can fail. The SMTP client
 * always connects from 127.0.0.1.
 *
 * Spam here carries `X-Advertisement: spam`, the test header the engine scores as positive
 * (quarantined by the default policy). Graymail policies are made observable: marketing is
 * quarantined, social and bulk are delivered with a subject tag.
 */
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    config: testConfig({
      domains: ['example.com', 'example.org'],
      policies: {
        default: {
          graymail: {
            marketing: { action: 'quarantine' },
            social: { action: 'deliver', prependSubject: '[SOCIAL] ', safeUnsubscribe: false },
            bulk: { action: 'deliver', prependSubject: '[BULK] ', safeUnsubscribe: false },
          },
        },
      },
      filters: [
        {
          name: 'partner desk',
          conditions: { sender: '@helpdesk\\.partner\\.example\\.org$' },
          actions: ['skip-spamcheck'],
        },
        {
          name: 'ticket system',
          conditions: { sender: '@tickets\\.example\\.net$', headerExists: 'X-Ticket-Id' },
          actions: ['skip-spamcheck'],
        },
        {
          name: 'wanted newsletters',
          conditions: { header: { name: 'X-Campaign', matches: '^wanted-' } },
          actions: ['skip-marketingcheck'],
        },
        {
          name: 'member notices',
          conditions: { headerExists: 'X-Member-Notice' },
          actions: ['skip-bulkcheck'],
        },
        {
          name: 'linkedin invitations',
          conditions: { header: { name: 'X-LinkedIn-Class', matches: '^invite$' } },
          actions: ['skip-socialcheck'],
        },
        { name: 'support inbox', conditions: { recipient: '^support@' }, actions: ['skip-spamcheck'] },
        { name: 'org inbox', conditions: { receivingDomain: ['example.org'] }, actions: ['skip-spamcheck'] },
        {
          name: 'loopback relay',
          conditions: { senderIp: ['127.0.0.0/8'], recipient: '^ip-local@' },
          actions: ['skip-spamcheck'],
        },
        {
          name: 'test net',
          conditions: { senderIp: ['192.0.2.0/24'], recipient: '^ip-testnet@' },
          actions: ['skip-spamcheck'],
        },
      ],
    }),
  });
});
afterAll(async () => {
  await gw?.stop();
});

const spam = (id: string, to: string, extra: Record<string, string> = {}) =>
  rfc822(
    {
      From: 'Prize Desk <winner@promo.example.net>',
      To: to,
      Subject: 'Your prize is waiting',
      'Message-ID': `<${id}@filters.test>`,
      'X-Advertisement': 'spam',
      ...extra,
    },
    'You have been selected. Reply today.\n',
  );

const marketing = (id: string, extra: Record<string, string>) =>
  rfc822(
    {
      From: 'Deals <deals@shop.example.net>',
      To: 'reader@example.com',
      Subject: 'Spring sale: 20% off everything',
      'Message-ID': `<${id}@filters.test>`,
      'List-Unsubscribe': '<https://shop.example.net/u>',
      'Feedback-ID': 'c1:shop:esp',
      ...extra,
    },
    'Hello from our shop. Our spring collection is here.\n',
  );

const social = (id: string, linkedInClass: string) =>
  rfc822(
    {
      From: 'LinkedIn <notifications-noreply@linkedin.com>',
      To: 'reader@example.com',
      Subject: 'Anna commented on your post',
      'Message-ID': `<${id}@filters.test>`,
      'List-Unsubscribe': '<https://www.linkedin.com/u>',
      'X-LinkedIn-Class': linkedInClass,
    },
    'Anna commented on your post. See what she said.\n',
  );

const bulk = (id: string, extra: Record<string, string> = {}) =>
  rfc822(
    {
      From: 'Chess club <club@chess.example.org>',
      To: 'reader@example.com',
      Subject: 'Club news for March',
      'Message-ID': `<${id}@filters.test>`,
      'List-Id': 'Club members <members.chess.example.org>',
      Precedence: 'bulk',
      ...extra,
    },
    'Dear members, the tournament is on Saturday. See you there.\n',
  );

/** Sends over SMTP and waits until the message reaches one of `states`. */
async function run(
  raw: string,
  from: string,
  to: string[],
  states: TrackingRecord['state'][],
): Promise<TrackingRecord> {
  const id = await gw.send(raw, { from, to });
  return gw.waitForState(id, states);
}

const deliveredCopy = async (id: string): Promise<string> => {
  const message = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from(`<${id}@filters.test>`)));
  return message?.raw.toString('latin1') ?? '';
};

const reachedSink = (id: string): boolean =>
  gw.sink?.messages.some((m) => m.raw.includes(Buffer.from(`<${id}@filters.test>`))) ?? false;

/** The delivered copy's X-Graywall-Result (unfolded), which must be the first field but one. */
const resultHeader = (text: string): string => {
  const block = readHeaderBlock(Buffer.from(text, 'latin1'));
  expect(block.fields.slice(0, 2).map((f) => f.name)).toEqual(['X-Graywall-Filtered', 'X-Graywall-Result']);
  return headerValues(block, 'x-graywall-result')[0] ?? '';
};

const scannedDetail = (record: TrackingRecord): string =>
  record.events.find((e) => e.type === 'scanned')?.detail ?? '';

const classifiedDetail = (record: TrackingRecord): string =>
  record.events.find((e) => e.type === 'classified')?.detail ?? '';

/** What an admin checks first: each recipient's state, policy and action. */
const outcome = (record: TrackingRecord) =>
  record.recipientStates.map((r) => ({
    recipient: r.recipient,
    state: r.state,
    policy: r.policy,
    action: r.action,
  }));

describe('skip-spamcheck on the envelope sender', () => {
  it('delivers spam from the matching sender unscanned and says which filter skipped the scan', async () => {
    const raw = spam('partner-1', 'alice@example.com');
    const [skipped, control] = await Promise.all([
      run(raw, 'tickets@helpdesk.partner.example.org', ['alice@example.com'], ['delivered', 'quarantined']),
      // A lookalike domain the pattern's anchor keeps out: the same bytes are scanned.
      run(
        spam('partner-2', 'alice@example.com'),
        'tickets@helpdesk.partner.example.org.evil.example',
        ['alice@example.com'],
        ['delivered', 'quarantined'],
      ),
    ]);

    expect(outcome(skipped)).toEqual([
      { recipient: 'alice@example.com', state: 'delivered', policy: 'default', action: 'deliver' },
    ]);
    expect(skipped.scan).toMatchObject({
      score: 0,
      verdict: 'clean',
      note: 'spam check skipped by a message filter',
    });
    expect(skipped.scan?.reasons).toEqual([
      expect.objectContaining({
        id: 'FILTER_SKIP_SPAMCHECK',
        description: 'Spam check skipped by message filter "partner desk"',
      }),
    ]);
    expect(scannedDetail(skipped)).toMatch(/^Scored 0\/100: clean \(FILTER_SKIP_SPAMCHECK\) by /);
    expect(scannedDetail(skipped)).toMatch(/\. Filters: partner desk \(skip-spamcheck\)$/);
    const text = await deliveredCopy('partner-1');
    expect(resultHeader(text)).toMatch(
      /^score=0; verdict=not spam; graymail=none; top=FILTER_SKIP_SPAMCHECK\(\+0\); .*; policy=default$/,
    );
    expect(text.endsWith(raw)).toBe(true);

    expect(outcome(control)).toEqual([
      { recipient: 'alice@example.com', state: 'quarantined', policy: 'default', action: 'quarantine' },
    ]);
    expect(control.scan?.verdict).toBe('positive');
    expect(control.scan?.score).toBeGreaterThanOrEqual(90);
    expect(control.scan?.reasons.map((r) => r.id)).toContain('X_ADVERTISEMENT_SPAM');
    expect(scannedDetail(control)).not.toContain('Filters:');
    expect(reachedSink('partner-2')).toBe(false);
  });

  it('applies a filter only when every one of its conditions holds', async () => {
    const [both, senderOnly] = await Promise.all([
      run(
        spam('ticket-1', 'alice@example.com', { 'X-Ticket-Id': '4711' }),
        'desk@tickets.example.net',
        ['alice@example.com'],
        ['delivered', 'quarantined'],
      ),
      run(
        spam('ticket-2', 'alice@example.com'),
        'desk@tickets.example.net',
        ['alice@example.com'],
        ['delivered', 'quarantined'],
      ),
    ]);
    expect(both.state).toBe('delivered');
    expect(scannedDetail(both)).toContain('Filters: ticket system (skip-spamcheck)');
    expect(senderOnly.state).toBe('quarantined');
    expect(senderOnly.scan?.verdict).toBe('positive');
    expect(scannedDetail(senderOnly)).not.toContain('Filters:');
  });
});

describe('what a filter never skips', () => {
  it('quarantines malware SES found even when a filter skips the spam check', async () => {
    // The filter matches the envelope sender, which anyone can write: it spares a message our
    // engines, not SES's virus verdict. (Injected as SES would hand it over: the local SMTP
    // listener has no virus scanner to produce the verdict.)
    const raw = rfc822(
      {
        From: 'tickets@helpdesk.partner.example.org',
        To: 'alice@example.com',
        Subject: 'Ticket 99',
        'Message-ID': '<virus-1@filters.test>',
      },
      'See the attached invoice.\n',
    );
    const envelope = { from: 'tickets@helpdesk.partner.example.org', to: ['alice@example.com'] };
    const [infected, clean] = await Promise.all([
      gw.inject(raw, envelope, { ses: { virusVerdict: { status: 'FAIL' } } }),
      gw.inject(raw, envelope, { ses: { virusVerdict: { status: 'PASS' } } }),
    ]);
    const held = await gw.waitForState(infected, ['delivered', 'quarantined']);
    expect(held.state).toBe('quarantined');
    expect(held.scan).toMatchObject({ score: 100, verdict: 'positive' });
    expect(held.scan?.reasons.map((r) => r.id)).toEqual(['SES_VIRUS_VERDICT_FAIL', 'FILTER_SKIP_SPAMCHECK']);
    expect((await gw.waitForState(clean, ['delivered', 'quarantined'])).state).toBe('delivered');
  });
});

describe('skipping graymail checks', () => {
  it('skip-marketingcheck (header matches): marketing is delivered as not graymail, naming the filter', async () => {
    const from = 'deals@shop.example.net';
    const raw = marketing('mkt-1', { 'X-Campaign': 'wanted-spring-2026' });
    const [skipped, control] = await Promise.all([
      run(raw, from, ['reader@example.com'], ['delivered', 'quarantined']),
      // The header is there, but its value does not match the filter's pattern.
      run(
        marketing('mkt-2', { 'X-Campaign': 'spring-2026' }),
        from,
        ['reader@example.com'],
        ['delivered', 'quarantined'],
      ),
    ]);

    expect(outcome(skipped)).toEqual([
      { recipient: 'reader@example.com', state: 'delivered', policy: 'default', action: 'deliver' },
    ]);
    expect(skipped.scan?.verdict).toBe('clean');
    expect(skipped.scan?.reasons.map((r) => r.id)).not.toContain('FILTER_SKIP_SPAMCHECK');
    expect(scannedDetail(skipped)).toContain('Filters: wanted newsletters (skip-marketingcheck)');
    expect(skipped.graymail?.category).toBe('none');
    expect(skipped.graymail?.reasons[0]).toMatchObject({
      id: 'FILTER_SKIP_MARKETINGCHECK',
      description: 'Looks like marketing, but message filter "wanted newsletters" skips that check',
    });
    // The classifier's own evidence is kept under the filter's reason.
    expect(skipped.graymail?.reasons.map((r) => r.id)).toEqual(
      expect.arrayContaining(['LIST_UNSUBSCRIBE', 'FEEDBACK_ID']),
    );
    expect(classifiedDetail(skipped)).toMatch(/^Graymail category none \(FILTER_SKIP_MARKETINGCHECK, /);
    const text = await deliveredCopy('mkt-1');
    expect(resultHeader(text)).toContain('; graymail=none; ');
    expect(text.endsWith(raw)).toBe(true);

    expect(outcome(control)).toEqual([
      { recipient: 'reader@example.com', state: 'quarantined', policy: 'default', action: 'quarantine' },
    ]);
    expect(control.graymail?.category).toBe('marketing');
    expect(control.graymail?.reasons.map((r) => r.id)).not.toContain('FILTER_SKIP_MARKETINGCHECK');
    expect(scannedDetail(control)).not.toContain('Filters:');
    expect(reachedSink('mkt-2')).toBe(false);
    // `graywall why` points at what holds it: the policy's graymail action, and the filter
    // that would let this sender's marketing through (not only SPF/DMARC and safelists).
    const why = formatWhy(control);
    expect(why).toContain('next time: policy "default" holds marketing mail (its graymail.marketing action)');
    expect(why).toContain('action skip-marketingcheck');
    expect(why).not.toContain('a safelist entry would not apply');
  });

  it('skip-bulkcheck (header exists): bulk is delivered untagged; without the header it is tagged', async () => {
    const from = 'club@chess.example.org';
    const raw = bulk('bulk-1', { 'X-Member-Notice': 'yes' });
    const [skipped, control] = await Promise.all([
      run(raw, from, ['reader@example.com'], ['delivered']),
      run(bulk('bulk-2'), from, ['reader@example.com'], ['delivered']),
    ]);

    expect(skipped.graymail?.category).toBe('none');
    expect(skipped.graymail?.reasons[0]).toMatchObject({
      id: 'FILTER_SKIP_BULKCHECK',
      description: 'Looks like bulk, but message filter "member notices" skips that check',
    });
    expect(scannedDetail(skipped)).toContain('Filters: member notices (skip-bulkcheck)');
    const text = await deliveredCopy('bulk-1');
    expect(resultHeader(text)).toContain('; graymail=none; ');
    expect(text).toContain('\r\nSubject: Club news for March\r\n');
    expect(text.endsWith(raw)).toBe(true);

    expect(control.graymail?.category).toBe('bulk');
    const tagged = await deliveredCopy('bulk-2');
    expect(tagged).toContain('\r\nSubject: [BULK] Club news for March\r\n');
    expect(resultHeader(tagged)).toContain('; graymail=bulk; ');
  });

  it('skips only the check the filter names: a bulk message matching a skip-marketingcheck filter is still bulk', async () => {
    const record = await run(
      bulk('bulk-3', { 'X-Campaign': 'wanted-club-news' }),
      'club@chess.example.org',
      ['reader@example.com'],
      ['delivered'],
    );
    expect(scannedDetail(record)).toContain('Filters: wanted newsletters (skip-marketingcheck)');
    expect(record.graymail?.category).toBe('bulk');
    expect(await deliveredCopy('bulk-3')).toContain('\r\nSubject: [BULK] Club news for March\r\n');
  });

  it('lets a skipped category fall through to the next: a marketing mail sent to a list is then bulk', async () => {
    const list = { 'List-Id': 'Shop news <news.shop.example.net>', Precedence: 'bulk' };
    const [skipped, control] = await Promise.all([
      run(
        marketing('mb-1', { ...list, 'X-Campaign': 'wanted-spring' }),
        'deals@shop.example.net',
        ['reader@example.com'],
        ['delivered', 'quarantined'],
      ),
      run(
        marketing('mb-2', list),
        'deals@shop.example.net',
        ['reader@example.com'],
        ['delivered', 'quarantined'],
      ),
    ]);
    expect(control.graymail?.category).toBe('marketing');
    expect(control.state).toBe('quarantined');
    expect(skipped.graymail?.category).toBe('bulk');
    expect(skipped.graymail?.reasons[0]).toMatchObject({ id: 'FILTER_SKIP_MARKETINGCHECK' });
    expect(await deliveredCopy('mb-1')).toContain('\r\nSubject: [BULK] Spring sale: 20% off everything\r\n');
  });

  it('skip-socialcheck (header matches): a social notification is delivered untagged', async () => {
    const from = 'notifications-noreply@linkedin.com';
    const [skipped, control] = await Promise.all([
      run(social('social-1', 'INVITE'), from, ['reader@example.com'], ['delivered']),
      run(social('social-2', 'NOTIFICATION'), from, ['reader@example.com'], ['delivered']),
    ]);

    expect(skipped.graymail?.category).toBe('none');
    expect(skipped.graymail?.reasons[0]).toMatchObject({
      id: 'FILTER_SKIP_SOCIALCHECK',
      description: 'Looks like social, but message filter "linkedin invitations" skips that check',
    });
    expect(scannedDetail(skipped)).toContain('Filters: linkedin invitations (skip-socialcheck)');
    expect(await deliveredCopy('social-1')).toContain('\r\nSubject: Anna commented on your post\r\n');

    expect(control.graymail?.category).toBe('social');
    expect(scannedDetail(control)).not.toContain('Filters:');
    expect(await deliveredCopy('social-2')).toContain(
      '\r\nSubject: [SOCIAL] Anna commented on your post\r\n',
    );
  });
});

describe('filter conditions on recipients and the connection', () => {
  const from = 'winner@promo.example.net';
  const states: TrackingRecord['state'][] = ['delivered', 'quarantined'];

  it('recipient: a regular expression on any envelope recipient', async () => {
    const [matched, control] = await Promise.all([
      run(spam('rcpt-1', 'support@example.com'), from, ['support@example.com'], states),
      run(spam('rcpt-2', 'sales@example.com'), from, ['sales@example.com'], states),
    ]);
    expect(outcome(matched)).toEqual([
      { recipient: 'support@example.com', state: 'delivered', policy: 'default', action: 'deliver' },
    ]);
    expect(scannedDetail(matched)).toContain('Filters: support inbox (skip-spamcheck)');
    expect(outcome(control)).toEqual([
      { recipient: 'sales@example.com', state: 'quarantined', policy: 'default', action: 'quarantine' },
    ]);
    expect(reachedSink('rcpt-1')).toBe(true);
    expect(reachedSink('rcpt-2')).toBe(false);
  });

  it('receivingDomain: the message was received for one of the listed domains', async () => {
    const [matched, control] = await Promise.all([
      run(spam('dom-1', 'bob@example.org'), from, ['bob@example.org'], states),
      run(spam('dom-2', 'bob@example.com'), from, ['bob@example.com'], states),
    ]);
    expect(matched.state).toBe('delivered');
    expect(matched.scan?.reasons[0]?.description).toBe('Spam check skipped by message filter "org inbox"');
    expect(control.state).toBe('quarantined');
    expect(control.scan?.verdict).toBe('positive');
  });

  it('names every filter that matched when several do', async () => {
    const record = await run(spam('multi-1', 'support@example.org'), from, ['support@example.org'], states);
    expect(record.state).toBe('delivered');
    expect(scannedDetail(record)).toContain('Filters: support inbox, org inbox (skip-spamcheck)');
    expect(record.scan?.reasons[0]?.description).toBe(
      'Spam check skipped by message filter "support inbox", "org inbox"',
    );
  });

  it('names only the filters that skipped the spam check in its reason', async () => {
    const record = await run(
      spam('multi-2', 'support@example.com', { 'X-Member-Notice': 'yes' }),
      from,
      ['support@example.com'],
      states,
    );
    expect(scannedDetail(record)).toContain('Filters: member notices, support inbox');
    expect(record.scan?.reasons[0]?.description).toBe('Spam check skipped by message filter "support inbox"');
  });

  it('senderIp: the connecting address is in one of the listed ranges', async () => {
    const [local, testNet] = await Promise.all([
      run(spam('ip-1', 'ip-local@example.com'), from, ['ip-local@example.com'], states),
      // Same kind of filter, but 127.0.0.1 is not in 192.0.2.0/24.
      run(spam('ip-2', 'ip-testnet@example.com'), from, ['ip-testnet@example.com'], states),
    ]);
    expect(local.remoteIp).toBe('127.0.0.1');
    expect(local.state).toBe('delivered');
    expect(scannedDetail(local)).toContain('Filters: loopback relay (skip-spamcheck)');
    expect(testNet.remoteIp).toBe('127.0.0.1');
    expect(testNet.state).toBe('quarantined');
    expect(scannedDetail(testNet)).not.toContain('Filters:');
    expect(reachedSink('ip-2')).toBe(false);
  });
});
