import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineItem } from '../../functions/app/quarantine-item.ts';
import { launchBrowser } from '../support/browser.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

let gw: TestGateway;
let cli: CliRun;
let browser: Browser;
let clockOffsetMs = 0;

beforeAll(async () => {
  gw = await startTestGateway({
    // Times in the digest and its pages are shown in the configured zone.
    config: testConfig({ digest: { timeZone: 'Europe/Berlin' } }),
    clock: { now: () => new Date(Date.now() + clockOffsetMs) },
    // The test's SMTP client connects from 127.0.0.1: SPF passes for watches.example.net only,
    // so only that sender can be "always allowed" (a safelist entry applies to authenticated senders).
    authResolver: fakeDns({
      'watches.example.net TXT': 'v=spf1 ip4:127.0.0.1 -all',
      'listed.example.net TXT': 'v=spf1 ip4:127.0.0.1 -all',
    }),
  });
  cli = cliFor(gw);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** The HTML part of a digest mail (base64, as composeDigest writes it). */
function digestHtml(raw: Buffer): string {
  const text = raw.toString('latin1');
  const part =
    text.split('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n')[1] ??
    '';
  return Buffer.from(part.split('\r\n--')[0] ?? '', 'base64').toString('utf8');
}

const spam = (subject: string, from: string) =>
  rfc822(
    {
      From: from,
      To: 'dana@example.com',
      Subject: subject,
      'X-Advertisement': 'spam',
      'Message-ID': `<${subject.replace(/\W/g, '')}@x>`,
    },
    'offer\n',
  );

describe('the end-user quarantine digest', () => {
  let reviewUrl = '';

  it('goes out once per new quarantined message, with signed links', async () => {
    const first = await gw.send(spam('Cheap watches', 'deals@watches.example.net'), {
      from: 'deals@watches.example.net',
      to: ['dana@example.com'],
    });
    const second = await gw.send(spam('Team lunch menu', 'canteen@partner.example.org'), {
      from: 'canteen@partner.example.org',
      to: ['dana@example.com'],
    });
    await gw.waitForState(first, ['quarantined']);
    await gw.waitForState(second, ['quarantined']);

    expect((await cli('digest', 'send')).out).toContain(
      'Sent digests to 1 recipient(s) listing 2 message(s)',
    );
    const mail = await gw.sink?.waitFor(
      (m) =>
        m.recipients.includes('dana@example.com') && m.raw.includes(Buffer.from('X-Graywall-Digest: true')),
    );
    expect(mail?.raw.toString('latin1')).toContain(
      'Subject: Quarantine summary: 2 new messages held for you',
    );
    const html = digestHtml(mail?.raw ?? Buffer.alloc(0));
    expect(html).toContain('Cheap watches');
    // "Always allow" only where a safelist entry would apply: the SPF-authenticated sender.
    expect(html.match(/>Always allow [^<]+</g)).toEqual(['>Always allow deals@watches.example.net<']);
    // The sender nobody vouched for is marked, so a forged copy of a known name stands out.
    expect(html).toContain('>canteen@partner.example.org (sender not verified)<');
    expect(html).toContain('>deals@watches.example.net<');
    expect(html).toContain('>Held (Europe/Berlin)</th>');
    expect(html).toMatch(/>\d{4}-\d\d-\d\d \d\d:\d\d UTC\+0[12]:00<\/td>/);
    reviewUrl = /<a href="([^"]+)">Review your quarantine<\/a>/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(reviewUrl).toMatch(new RegExp(`^${gw.apiUrl}/q/`));

    // A second run lists nothing again.
    expect((await cli('digest', 'send')).out).toContain(
      'Sent digests to 0 recipient(s) listing 0 message(s)',
    );
  });

  it('lets the user release a message from the review page in a real browser, once', async () => {
    const page = await browser.newPage();
    await page.goto(reviewUrl);
    expect(await page.title()).toBe('Your quarantine – Example Corp');
    expect(await page.locator('li').count()).toBe(2);
    expect(await page.getByRole('button', { name: /always allow/ }).allTextContents()).toEqual([
      'Release and always allow deals@watches.example.net',
    ]);
    const item = page.locator('li', { hasText: 'Team lunch menu' });
    expect(await item.textContent()).toContain(
      'from canteen@partner.example.org (sender not verified), held',
    );
    expect(await item.textContent()).toMatch(/, held \d{4}-\d\d-\d\d \d\d:\d\d UTC\+0[12]:00/);
    await item.getByRole('button', { name: 'Release', exact: true }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Released');
    const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<Teamlunchmenu@x>')));
    expect(delivered?.recipients).toEqual(['dana@example.com']);
    // Back and click again: already released, nothing delivered twice.
    await page.goBack();
    await page.reload();
    expect(await page.locator('li', { hasText: 'Team lunch menu' }).count()).toBe(0);
    expect(gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<Teamlunchmenu@x>')))).toHaveLength(1);
    const record = (await cli('track', '--subject', 'Team lunch', '--json')).out;
    expect(record).toContain('end user dana@example.com (quarantine digest link)');
    await page.close();
  });

  it('always allows a sender: confirmation first, then release and a safelist entry for that user', async () => {
    const page = await browser.newPage();
    const allowUrl = `${reviewUrl}/allow/${(await gw.deps.quarantine.list({ recipient: 'dana@example.com', since: '2000-01-01T00:00:00.000Z', until: new Date(Date.now() + 86_400_000).toISOString(), limit: 10 })).items[0]?.messageId}`;
    await page.goto(allowUrl);
    expect(await page.locator('h1').textContent()).toBe('Always allow sender?');
    await page.getByRole('button', { name: 'Release and always allow' }).click();
    await page.waitForLoadState();
    expect(await page.locator('main').textContent()).toContain(
      'Mail from deals@watches.example.net will not be held as spam for you',
    );
    expect((await cli('safelist', 'list', '--for', 'dana@example.com')).out).toContain(
      'deals@watches.example.net',
    );

    // A sender nobody vouched for: a hand-made allow link releases nothing by itself and adds
    // no entry that would never apply; the page offers release instead.
    const forged = await gw.send(spam('Prize inside', 'win@unverified.example'), {
      from: 'win@unverified.example',
      to: ['dana@example.com'],
    });
    await gw.waitForState(forged, ['quarantined']);
    const response = await page.goto(`${reviewUrl}/allow/${forged}`);
    expect(response?.status()).toBe(409);
    expect(await page.locator('h1').textContent()).toBe('This sender cannot be always allowed');
    expect((await cli('safelist', 'list', '--for', 'dana@example.com')).out).not.toContain('unverified');
    await page.getByRole('button', { name: 'Release' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Released');
    expect((await cli('safelist', 'list', '--for', 'dana@example.com')).out).not.toContain('unverified');
    await page.close();
  });

  it('keeps malware for the administrator: not in the digest, not releasable or allowable by a link', async () => {
    const id = await gw.inject(
      spam('Invoice attached', 'billing@watches.example.net'),
      { from: 'billing@watches.example.net', to: ['dana@example.com'] },
      { ses: { virusVerdict: { status: 'FAIL' }, spfVerdict: { status: 'PASS' } } },
    );
    await gw.waitForState(id, ['quarantined']);
    expect((await cli('digest', 'send')).out).toContain('listing 0 message(s)');
    const page = await browser.newPage();
    await page.goto(reviewUrl);
    expect(await page.locator('li', { hasText: 'Invoice attached' }).count()).toBe(0);
    for (const action of ['release', 'allow']) {
      const response = await page.goto(`${reviewUrl}/${action}/${id}`);
      expect(response?.status()).toBe(403);
      expect(await page.locator('h1').textContent()).toBe('Held for your administrator');
    }
    // A POST straight to the action (no page in between) is refused the same way.
    const post = await fetch(`${reviewUrl}/release/${id}`, { method: 'POST' });
    expect(post.status).toBe(403);
    expect((await gw.deps.quarantine.get(id, 'dana@example.com'))?.state).toBe('quarantined');
    await page.close();
  });

  it('adds no safelist entry from an old link once an administrator deleted the message', async () => {
    const id = await gw.send(spam('Watch deals again', 'deals2@watches.example.net'), {
      from: 'deals2@watches.example.net',
      to: ['dana@example.com'],
    });
    await gw.waitForState(id, ['quarantined']);
    expect((await gw.deps.quarantine.get(id, 'dana@example.com'))?.allowSender).toBe(
      'deals2@watches.example.net',
    );
    await cli('quarantine', 'delete', id);
    const response = await fetch(`${reviewUrl}/allow/${id}`, { method: 'POST' });
    const html = await response.text();
    expect(html).toContain('<h1>No longer in quarantine</h1>');
    expect((await cli('safelist', 'list', '--for', 'dana@example.com')).out).not.toContain('deals2@');
  });

  it('marks an unverified sender a blocklist held, and not an authenticated one', async () => {
    await cli('blocklist', 'add', 'listed.example.net', 'forger.example', '--for', 'dana@example.com');
    const authenticated = await gw.send(spam('Listed newsletter', 'news@listed.example.net'), {
      from: 'news@listed.example.net',
      to: ['dana@example.com'],
    });
    const forged = await gw.send(spam('Listed forgery', 'ceo@forger.example'), {
      from: 'ceo@forger.example',
      to: ['dana@example.com'],
    });
    await gw.waitForState(authenticated, ['quarantined']);
    await gw.waitForState(forged, ['quarantined']);
    const held = await gw.deps.quarantine.get(forged, 'dana@example.com');
    expect(held?.reasons[0]?.id).toBe('SENDER_BLOCKLISTED');
    expect(held?.senderAuthenticated).toBe(false);
    // A blocklist withholds "always allow" from both, but not the record of who was verified.
    expect(await gw.deps.quarantine.get(authenticated, 'dana@example.com')).toMatchObject({
      senderAuthenticated: true,
    });
    expect((await gw.deps.quarantine.get(authenticated, 'dana@example.com'))?.allowSender).toBeUndefined();

    expect((await cli('digest', 'send')).out).toContain('listing 2 message(s)');
    const mail = await gw.sink?.waitFor(
      (m) =>
        m.raw.includes(Buffer.from('X-Graywall-Digest: true')) &&
        digestHtml(m.raw).includes('Listed forgery'),
    );
    const html = digestHtml(mail?.raw ?? Buffer.alloc(0));
    expect(html).toContain('>ceo@forger.example (sender not verified)<');
    expect(html).toContain('>news@listed.example.net<');
    expect(html).not.toContain('Always allow');

    const review = await (await fetch(reviewUrl)).text();
    expect(review).toContain('from ceo@forger.example (sender not verified), held');
    expect(review).toContain('from news@listed.example.net, held');
    const confirm = await (await fetch(`${reviewUrl}/release/${forged}`)).text();
    expect(confirm).toContain('from ceo@forger.example (sender not verified) to your mailbox?');
    await cli('blocklist', 'remove', 'listed.example.net', 'forger.example', '--for', 'dana@example.com');
  });

  it("marks a From that SPF did not vouch for, though the envelope's own domain passed", async () => {
    // A forger with a good SPF record of its own (listed.example.net passes) writes a bank's
    // From; DMARC would have failed. The envelope sender is authenticated, the From is not.
    const forged = await gw.send(spam('Your account', 'security@bank.example'), {
      from: 'bounce@listed.example.net',
      to: ['dana@example.com'],
    });
    await gw.waitForState(forged, ['quarantined']);
    const held = await gw.deps.quarantine.get(forged, 'dana@example.com');
    expect(held).toMatchObject({ senderAuthenticated: false, allowSender: 'bounce@listed.example.net' });
    const review = await (await fetch(reviewUrl)).text();
    expect(review).toContain('from security@bank.example (sender not verified), held');
    await cli('quarantine', 'delete', forged);
  });

  it('marks the sender of an item held before authentication was recorded, unless it was allowable', async () => {
    // Items as the action stage wrote them before senderAuthenticated existed: allowSender was
    // the only trace of an authenticated sender, and a blocklist withheld it.
    const now = Date.now();
    const oldItem = (messageId: string, from: string, extra: Partial<QuarantineItem>): QuarantineItem => ({
      messageId,
      recipient: 'dana@example.com',
      envelopeFrom: from,
      from,
      subject: `Old ${messageId}`,
      size: 100,
      score: 100,
      verdict: 'positive',
      reasons: [{ id: 'SENDER_BLOCKLISTED', group: 'engine', description: 'on your blocklist', score: 0 }],
      policy: 'default',
      key: `quarantine/${messageId}`,
      quarantinedAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 86_400_000).toISOString(),
      state: 'quarantined',
      ...extra,
    });
    await gw.deps.quarantine.put(oldItem('old-blocklisted', 'old@forger.example', {}));
    await gw.deps.quarantine.put(
      oldItem('old-allowable', 'old@watches.example.net', {
        allowSender: 'old@watches.example.net',
        reasons: [{ id: 'GTUBE', group: 'body', description: 'GTUBE', score: 100 }],
      }),
    );
    const review = await (await fetch(reviewUrl)).text();
    // Whether SPF or DMARC passed was not kept: we do not claim it did.
    expect(review).toContain('from old@forger.example (sender not verified), held');
    expect(review).toContain('from old@watches.example.net, held');
    for (const id of ['old-blocklisted', 'old-allowable']) await cli('quarantine', 'delete', id);
  });

  it('refuses forged and expired links with a page that says so', async () => {
    const page = await browser.newPage();
    const forged = reviewUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const response = await page.goto(forged);
    expect(response?.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('This quarantine link is not valid');
    clockOffsetMs += 8 * 86_400_000;
    await page.goto(reviewUrl);
    expect(await page.locator('main').textContent()).toContain('This quarantine link has expired');
    clockOffsetMs = 0;
    await page.close();
  });
});
