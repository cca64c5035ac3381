import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../functions/core/mime/parse-message.ts';
import { headerValues, readHeaderBlock } from '../../functions/core/mime/raw-message.ts';
import { topReasons } from '../../functions/core/scan/result-header.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';
import { type SenderEndpoints, startSenderEndpoints } from '../support/sender-endpoints.ts';

/**
 * Safe unsubscribe end to end: graymail goes through the gateway, arrives at the sink with
 * our banner and link, and following that link unsubscribes against real local HTTP(S)
 * servers playing the senders' endpoints. Loopback targets are allowed here only (test
 * config), and sender host names resolve through an injected DNS table.
 */
let gw: TestGateway;
let sender: SenderEndpoints;
let clockOffsetMs = 0;

const DNS: Record<string, string> = {
  'news.example.com': '127.0.0.1',
  'evil-internal.example.net': '10.0.0.5',
};

beforeAll(async () => {
  sender = await startSenderEndpoints('news.example.com');
  gw = await startTestGateway({
    config: testConfig({
      unsubscribe: { allowLoopback: true, blockedHosts: ['blocked.example.org'] },
      policies: {
        incoming: [
          {
            name: 'held-marketing',
            recipients: ['held@example.com', 'held2@example.com'],
            graymail: { marketing: { action: 'quarantine' }, bulk: { action: 'quarantine' } },
          },
          {
            name: 'spam-tagged',
            recipients: ['tagged@example.com'],
            positive: { action: 'deliver', prependSubject: '[SPAM] ' },
          },
        ],
      },
    }),
    clock: { now: () => new Date(Date.now() + clockOffsetMs) },
    unsubscribeCa: sender.ca,
    unsubscribeLookup: async (host) => {
      const address = DNS[host];
      if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    },
  });
});
afterAll(async () => {
  await gw?.stop();
  await sender?.stop();
});

let counter = 0;

/** A newsletter through the gateway; returns our link from the delivered copy. */
async function newsletter(
  listUnsubscribe: string,
  extra: Record<string, string> = {},
  options: { dkim?: boolean; body?: string; sender?: string } = {},
): Promise<{ id: string; link: string; delivered: string }> {
  const from = options.sender ?? 'news@news.example.com';
  counter += 1;
  const messageId = `<news-${counter}@news.example.com>`;
  const href = listUnsubscribe.replace(/^<|>.*$/g, '');
  const raw = rfc822(
    {
      From: `Deals Weekly <${from}>`,
      To: `reader${counter}@example.com`,
      Subject: `Your weekly picks: 20% off garden tools (${counter})`,
      Date: 'Tue, 24 Nov 2026 09:00:00 +0000',
      'Message-ID': messageId,
      'List-Unsubscribe': listUnsubscribe,
      'Feedback-ID': 'campaign:deals:esp',
      'MIME-Version': '1.0',
      'Content-Type': 'multipart/alternative; boundary="alt"',
      ...extra,
    },
    options.body ??
      [
        '--alt',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hello from Deals Weekly. This week our garden team picked rakes, hoses and planters for autumn.',
        'Browse the whole collection in our shop. You receive this because you signed up on our site.',
        '',
        '--alt',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><body><h2>Deals Weekly</h2><p>Hello from Deals Weekly. This week our garden team picked rakes, hoses and planters for autumn.</p>',
        '<p>Browse the whole collection in our shop. You receive this because you signed up on our site.</p>',
        `<p><a href="${href}">Unsubscribe</a></p></body></html>`,
        '--alt--',
        '',
      ].join('\n'),
  );
  const id = await gw.inject(
    raw,
    { from, to: [`reader${counter}@example.com`] },
    { ses: options.dkim ? { dkimVerdict: { status: 'PASS' }, spfVerdict: { status: 'PASS' } } : {} },
  );
  await gw.waitForState(id, ['delivered']);
  const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from(messageId)));
  const text = delivered?.raw.toString('utf8') ?? '';
  const header =
    headerValues(readHeaderBlock(delivered?.raw ?? Buffer.alloc(0)), 'list-unsubscribe')[0] ?? '';
  const link = /<([^>]+)>/.exec(header)?.[1] ?? '';
  return { id, link, delivered: text };
}

async function page(
  method: 'GET' | 'POST',
  link: string,
): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(link, { method, redirect: 'manual' });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

describe('graymail delivered with safe unsubscribe', () => {
  it('carries our banner and our link instead of the sender link, the rest of the message intact', async () => {
    sender.on('/get-ok', () => ({ status: 200, body: 'You are unsubscribed' }));
    const original = `${sender.httpBase}/get-ok`;
    const { id, link, delivered } = await newsletter(`<${original}>`);
    expect(link).toMatch(new RegExp(`^${gw.apiUrl}/u/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    expect(delivered).toContain('role="note"');
    expect(delivered).toContain(`href="${link}"`);
    expect(delivered).not.toContain(`href="${original}"`);
    expect(delivered).not.toMatch(/^List-Unsubscribe-Post:/m);
    expect(delivered).toContain('our garden team picked rakes');
    const record = await gw.deps.tracking.get(id);
    expect(['marketing', 'bulk']).toContain(record?.graymail?.category);
    expect(record?.events.find((e) => e.type === 'unsubscribe-offered')?.detail).toMatch(
      /banner: html modified, text modified; 1 link\(s\) rewritten/,
    );
  });

  it('edits a newsletter above the full-scan size too, its attachment untouched', async () => {
    sender.on('/big-ok', () => ({ status: 200 }));
    const original = `${sender.httpBase}/big-ok`;
    // 1.5 MB: read in part by the scan and for the sender's links (at most alwaysScanBelowBytes).
    const attachment = Buffer.alloc(1_100_000, 'Q').toString('base64').replace(/.{76}/g, '$&\n');
    const { link, delivered } = await newsletter(
      `<${original}>`,
      { 'Content-Type': 'multipart/mixed; boundary="mix"' },
      {
        body: [
          '--mix',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<html><body><p>Hello from Deals Weekly. This week our garden team picked rakes, hoses and planters.</p>',
          `<p><a href="${original}">Unsubscribe</a></p></body></html>`,
          '--mix',
          'Content-Type: application/pdf; name=catalogue.pdf',
          'Content-Disposition: attachment; filename=catalogue.pdf',
          'Content-Transfer-Encoding: base64',
          '',
          attachment,
          '--mix--',
          '',
        ].join('\n'),
      },
    );
    expect(link).toContain('/u/');
    expect(delivered).toContain('role="note"');
    expect(delivered).toContain(`href="${link}"`);
    expect(delivered).not.toContain(`href="${original}"`);
    // Every line of the attachment is there as sent (line ends made CRLF on the way).
    expect(delivered.split(/\r?\n/).filter((line) => /^UVFR/.test(line))).toHaveLength(
      attachment.split('\n').filter((line) => line.length > 0).length,
    );
    expect((await page('POST', link)).html).toContain('Unsubscribe request sent');
    expect(sender.requestsTo('/big-ok')).toHaveLength(1);
  });

  it('leaves S/MIME-signed graymail untouched byte for byte (only our headers on top)', async () => {
    const body =
      'This is a cryptographically signed message in MIME format.\r\n\r\n--sig\r\nContent-Type: text/plain\r\n\r\nDeals! Unsubscribe: https://news.example.com/u\r\n--sig\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIB\r\n--sig--\r\n';
    const raw = rfc822(
      {
        From: 'news@news.example.com',
        To: 'signed@example.com',
        Subject: 'Signed deals',
        Date: 'Tue, 24 Nov 2026 09:00:00 +0000',
        'Message-ID': '<signed-1@news.example.com>',
        'List-Unsubscribe': '<https://news.example.com/u>',
        'Feedback-ID': 'c:deals:esp',
        'MIME-Version': '1.0',
        'Content-Type':
          'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"',
      },
      '',
    ).concat(body);
    const id = await gw.inject(raw, { from: 'news@news.example.com', to: ['signed@example.com'] });
    await gw.waitForState(id, ['delivered']);
    const delivered =
      (
        await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<signed-1@news.example.com>')))
      )?.raw.toString('latin1') ?? '';
    expect(delivered.endsWith(raw)).toBe(true);
    const added = delivered.slice(0, delivered.length - raw.length);
    expect(added).toMatch(/^X-Graywall-Filtered: true\r\nX-Graywall-Result: [\s\S]*\r\n$/);
  });
});

describe('graymail held in quarantine', () => {
  it("is released with each recipient's own banner and link", async () => {
    sender.on('/held', () => ({ status: 200 }));
    const original = `${sender.httpBase}/held`;
    const raw = rfc822(
      {
        From: 'Deals Weekly <news@news.example.com>',
        To: 'held@example.com, held2@example.com',
        Subject: 'Your weekly picks: 20% off garden tools (held)',
        Date: 'Tue, 24 Nov 2026 09:00:00 +0000',
        'Message-ID': '<held-1@news.example.com>',
        'List-Unsubscribe': `<${original}>`,
        'Feedback-ID': 'campaign:deals:esp',
        'MIME-Version': '1.0',
        'Content-Type': 'text/html; charset=utf-8',
      },
      `<html><body><p>Hello from Deals Weekly. This week our garden team picked rakes, hoses and planters for autumn.</p><p>Browse the whole collection in our shop. You receive this because you signed up on our site.</p><p><a href="${original}">Unsubscribe</a></p></body></html>\n`,
    );
    const id = await gw.inject(raw, {
      from: 'news@news.example.com',
      to: ['held@example.com', 'held2@example.com'],
    });
    await gw.waitForState(id, ['quarantined']);
    expect(gw.sink?.messages.some((m) => m.raw.includes(Buffer.from('<held-1@news.example.com>')))).toBe(
      false,
    );
    // The digest and the quarantine list name why it was held: the category, not a spam rule.
    expect(topReasons((await gw.deps.quarantine.get(id, 'held@example.com'))?.reasons ?? [], 1)).toEqual([
      {
        id: 'GRAYMAIL_MARKETING',
        group: 'engine',
        description: 'Marketing mail, held by policy "held-marketing"',
        score: 0,
      },
    ]);
    const released = await gw.api<{ released: string[] }>('POST', `/admin/quarantine/${id}/release`);
    expect(released.body.released.sort()).toEqual(['held2@example.com', 'held@example.com']);
    const copies =
      gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<held-1@news.example.com>'))) ?? [];
    expect(copies.map((m) => m.recipients.join()).sort()).toEqual(['held2@example.com', 'held@example.com']);
    const links = copies.map(
      (m) =>
        /<(http[^>]+\/u\/[^>]+)>/.exec(
          headerValues(readHeaderBlock(m.raw), 'list-unsubscribe')[0] ?? '',
        )?.[1],
    );
    expect(links[0]).toBeDefined();
    expect(links[0]).not.toBe(links[1]);
    for (const copy of copies) {
      expect(copy.raw.toString('utf8')).toMatch(/^X-Graywall-Released: by /);
      const { html } = await parseMessage(copy.raw);
      expect(html).toContain('role="note"');
      expect(html).not.toContain(`href="${original}"`);
    }
  });
});

describe('the unsubscribe link', () => {
  it('GET shows a confirmation page and changes nothing (link scanners follow GETs)', async () => {
    sender.on('/never-called', () => ({ status: 200 }));
    const { link } = await newsletter(`<${sender.httpBase}/never-called>`);
    const first = await page('GET', link);
    expect(first.status).toBe(200);
    expect(first.html).toContain('<h1>Unsubscribe?</h1>');
    expect(first.html).toMatch(
      /<form method="post" action="\/u\/[^"]+"><button type="submit">Unsubscribe<\/button><\/form>/,
    );
    expect(first.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    await page('GET', link);
    expect(sender.requestsTo('/never-called')).toHaveLength(0);
  });

  it('POST unsubscribes with the RFC 8058 one-click POST when the message offers it', async () => {
    sender.on('/one-click', (r) => ({
      status: r.method === 'POST' && r.body === 'List-Unsubscribe=One-Click' ? 200 : 405,
    }));
    const uri = `${sender.httpsBase}/one-click`;
    const { id, link } = await newsletter(
      `<${uri}>`,
      {
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'DKIM-Signature':
          'v=1; a=rsa-sha256; d=news.example.com; s=s1; h=from:subject:list-unsubscribe:list-unsubscribe-post; bh=x; b=y',
      },
      { dkim: true },
    );
    const done = await page('POST', link);
    expect(done.html).toContain('<h1>Successfully unsubscribed</h1>');
    const calls = sender.requestsTo('/one-click');
    expect(calls).toMatchObject([
      {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        contentType: 'application/x-www-form-urlencoded',
      },
    ]);
    expect(calls[0]?.cookie).toBeUndefined();
    // A second click shows the outcome and calls nobody again.
    expect((await page('POST', link)).html).toContain('Successfully unsubscribed');
    expect(sender.requestsTo('/one-click')).toHaveLength(1);
    const events = (await gw.deps.tracking.get(id))?.events.map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['unsubscribe-requested', 'unsubscribe-succeeded']));
  });

  it('POST unsubscribes with a GET of the sender link when one-click is not offered', async () => {
    sender.on('/get-ok', () => ({ status: 200, body: 'You are unsubscribed' }));
    const { link } = await newsletter(`<${sender.httpBase}/get-ok?list=7>`);
    expect((await page('POST', link)).html).toContain('Unsubscribe request sent');
    expect(sender.requestsTo('/get-ok').at(-1)).toMatchObject({ method: 'GET', path: '/get-ok?list=7' });
  });

  it('reports "in progress" when the first attempt fails, then succeeds on a retry', async () => {
    sender.on('/flaky', (_r, n) => ({ status: n === 1 ? 503 : 200 }));
    const { link } = await newsletter(`<${sender.httpBase}/flaky>`);
    const first = await page('POST', link);
    expect(first.status).toBe(202);
    expect(first.html).toContain('<h1>Unsubscribe in progress</h1>');
    expect(first.html).toMatch(/href="\/u\/[^"]+\/status"/);
    expect(await gw.retryUnsubscribes()).toBe(0); // not due yet
    clockOffsetMs += 16 * 60_000;
    expect(await gw.retryUnsubscribes()).toBeGreaterThanOrEqual(1);
    expect((await page('GET', `${link}/status`)).html).toContain('Unsubscribe request sent');
    expect(sender.requestsTo('/flaky')).toHaveLength(2);
  });

  it('does not retry a link the sender says is gone (404, 410): it says at once it could not', async () => {
    sender.on('/gone', () => ({ status: 410 }));
    sender.on('/missing', () => ({ status: 404 }));
    const { link } = await newsletter(`<${sender.httpBase}/gone>, <${sender.httpBase}/missing>`);
    const first = await page('POST', link);
    expect(first.html).toContain('<h1>Unable to unsubscribe</h1>');
    // A link the sender calls gone is not offered for manual use either.
    expect(first.html).not.toContain('<code>');
    expect(first.html).toContain('The message offered no other way to unsubscribe.');
    clockOffsetMs += 16 * 60_000;
    await gw.retryUnsubscribes();
    expect(sender.requestsTo('/gone')).toHaveLength(1);
    expect(sender.requestsTo('/missing')).toHaveLength(1);
    // A link that failed otherwise is still retried beside one that is gone.
    sender.on('/busy', (_r, n) => ({ status: n === 1 ? 503 : 200 }));
    const mixed = await newsletter(`<${sender.httpBase}/gone>, <${sender.httpBase}/busy>`);
    expect((await page('POST', mixed.link)).status).toBe(202);
    clockOffsetMs += 16 * 60_000;
    await gw.retryUnsubscribes();
    expect((await page('GET', `${mixed.link}/status`)).html).toContain('Unsubscribe request sent');
    expect(sender.requestsTo('/busy')).toHaveLength(2);
    expect(sender.requestsTo('/gone')).toHaveLength(2); // once for each message
  });

  it('does not retry a link that redirects in a loop or without end: it says at once it could not', async () => {
    // Prepare: A -> B -> A, and a chain of ever new addresses; the gateway follows 5 redirects.
    sender.on('/loop-a', () => ({ status: 302, headers: { location: '/loop-b' } }));
    sender.on('/loop-b', () => ({ status: 302, headers: { location: '/loop-a' } }));
    sender.on('/endless', (_r, n) => ({ status: 302, headers: { location: `/endless?hop=${n}` } }));
    const { id, link } = await newsletter(`<${sender.httpBase}/loop-a>, <${sender.httpBase}/endless>`);

    // Act
    const first = await page('POST', link);

    // Assess: a dead link, not a dangerous one, and nothing a user could open by hand either.
    expect(first.status).toBe(200);
    expect(first.html).toContain('<h1>Unable to unsubscribe</h1>');
    expect(first.html).toContain('only sent us from one address to another, without end');
    expect(first.html).not.toContain('safety checks');
    expect(first.html).not.toContain('<code>');
    const events = (await gw.deps.tracking.get(id))?.events ?? [];
    expect(events.find((e) => e.type === 'unsubscribe-failed')?.detail).toContain(
      'too many redirects (5 followed',
    );
    clockOffsetMs += 16 * 60_000;
    expect(await gw.retryUnsubscribes()).toBe(0);
    expect(sender.requestsTo('/loop-a')).toHaveLength(3);
    expect(sender.requestsTo('/endless')).toHaveLength(6);
    // Beside a link that fails for now, the loop is left out of the retries.
    sender.on('/busy-after-loop', (_r, n) => ({ status: n === 1 ? 503 : 200 }));
    const mixed = await newsletter(`<${sender.httpBase}/loop-a>, <${sender.httpBase}/busy-after-loop>`);
    expect((await page('POST', mixed.link)).status).toBe(202);
    clockOffsetMs += 16 * 60_000;
    await gw.retryUnsubscribes();
    expect((await page('GET', `${mixed.link}/status`)).html).toContain('Unsubscribe request sent');
    expect(sender.requestsTo('/busy-after-loop')).toHaveLength(2);
    expect(sender.requestsTo('/loop-a')).toHaveLength(6); // three hops for each message
  });

  it('is retried by one of two overlapping retry runs, not both', async () => {
    sender.on('/overlap', (_r, n) => ({ status: n === 1 ? 503 : 200 }));
    const { link } = await newsletter(`<${sender.httpBase}/overlap>`);
    expect((await page('POST', link)).status).toBe(202);
    clockOffsetMs += 16 * 60_000;
    // Both runs list the request as due; only the first claim while it is still due counts.
    await Promise.all([gw.retryUnsubscribes(), gw.retryUnsubscribes()]);
    expect(sender.requestsTo('/overlap')).toHaveLength(2);
  });

  it('gives up after four hours of failures and shows the original link for manual use', async () => {
    sender.on('/down', () => ({ status: 500 }));
    const original = `${sender.httpBase}/down`;
    const { link } = await newsletter(`<${original}>`);
    expect((await page('POST', link)).status).toBe(202);
    for (let i = 0; i < 17; i++) {
      clockOffsetMs += 15 * 60_000;
      await gw.retryUnsubscribes();
    }
    const final = await page('GET', `${link}/status`);
    expect(final.html).toContain('<h1>Unable to unsubscribe</h1>');
    expect(final.html).toContain(`<code>${original}</code>`);
    // Never a link our checks refused, even when it comes first.
    sender.on('/down-2', () => ({ status: 500 }));
    const lookalike = 'http://xn--pple-43d.com/unsubscribe?id=1';
    const second = await newsletter(`<${lookalike}>, <${sender.httpBase}/down-2>`);
    expect((await page('POST', second.link)).status).toBe(202);
    for (let i = 0; i < 17; i++) {
      clockOffsetMs += 15 * 60_000;
      await gw.retryUnsubscribes();
    }
    const unable = await page('GET', `${second.link}/status`);
    expect(unable.html).toContain('<h1>Unable to unsubscribe</h1>');
    expect(unable.html).not.toContain('xn--pple');
    expect(unable.html).toContain(`<code>${sender.httpBase}/down-2</code>`);
    expect(sender.requestsTo('/down').length).toBeGreaterThanOrEqual(16);
  });

  it("sends the unsubscribe mail through SES for a mailto link in the verified sender's domain", async () => {
    // The sender is outside our domains (news.example.com is under the test's example.com).
    const { link } = await newsletter(
      '<mailto:leave@lists.deals.example.net?subject=unsubscribe%20weekly>',
      {},
      { body: '<html><body>Weekly list</body></html>\n', dkim: true, sender: 'news@deals.example.net' },
    );
    expect((await page('GET', link)).html).toContain(
      'we send an unsubscribe mail from your address to <strong>leave@lists.deals.example.net</strong>',
    );
    expect((await page('POST', link)).html).toContain('Unsubscribe request sent');
    const store = (await (await fetch(`${gw.emulators.endpoints.ses}/store`)).json()) as {
      emails: Array<{ from: string; destination: { to: string[] }; subject: string }>;
    };
    expect(store.emails.find((e) => e.subject === 'unsubscribe weekly')).toMatchObject({
      from: expect.stringMatching(/^reader\d+@example\.com$/),
      destination: { to: ['leave@lists.deals.example.net'] },
    });
  });

  it("sends no mail in the reader's name elsewhere: not outside the sender's domain, not for an unverified sender", async () => {
    // A mailto aimed at a third party, with the attacker's text: from the CFO's address, signed
    // for our domain, it would read as the CFO's own mail.
    const fraud =
      '<mailto:ceo@partner-victim.example.net?subject=URGENT%3A%20new%20bank%20details&body=Pay%20to%20IBAN%20XX00>';
    const elsewhere = await newsletter(
      fraud,
      {},
      {
        body: '<html><body>Weekly list</body></html>\n',
        dkim: true,
        sender: 'news@deals.example.net',
      },
    );
    // Authenticated by nothing: the sender could be anyone, so even its own domain is not trusted.
    const unverified = await newsletter(
      '<mailto:leave@lists.deals.example.net?subject=bye%20unverified>',
      {},
      {
        body: '<html><body>Weekly list</body></html>\n',
        sender: 'news@deals.example.net',
      },
    );
    const store = async () =>
      (
        (await (await fetch(`${gw.emulators.endpoints.ses}/store`)).json()) as {
          emails: Array<{ subject: string; destination: { to: string[] } }>;
        }
      ).emails;
    const before = (await store()).length;
    // With nothing else to try, no banner was offered: the timeline says why.
    for (const [{ id, link }, why] of [
      [elsewhere, '(mailto other domain)'],
      [unverified, '(mailto sender not verified)'],
    ] as const) {
      expect(link).not.toContain('/u/');
      const record = await gw.deps.tracking.get(id);
      expect(record?.events.map((e) => e.detail).join('\n')).toContain(why);
    }
    expect((await store()).length).toBe(before);
    expect((await store()).some((e) => e.destination.to.includes('ceo@partner-victim.example.net'))).toBe(
      false,
    );
  });

  it('stops at its time budget even when every slow link so far was refused, and the retry moves on', async () => {
    // Each slow link takes 10 s (of the gateway's clock) and ends at the metadata address.
    for (const path of ['/slow-1', '/slow-2', '/slow-3'])
      sender.on(path, () => {
        clockOffsetMs += 10_000;
        return { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } };
      });
    sender.on('/last-ok', () => ({ status: 200 }));
    const base = sender.httpBase;
    const { link } = await newsletter(
      `<${base}/slow-1>, <${base}/slow-2>, <${base}/slow-3>, <${base}/last-ok>`,
    );
    const first = await page('POST', link);
    // 15 s budget: two slow links, then the page answers instead of running on.
    expect(first.status).toBe(202);
    expect(sender.requestsTo('/slow-1')).toHaveLength(1);
    expect(sender.requestsTo('/slow-3')).toHaveLength(0);
    clockOffsetMs += 16 * 60_000;
    await gw.retryUnsubscribes();
    expect((await page('GET', `${link}/status`)).html).toContain('Unsubscribe request sent');
    // The refused links were not asked again.
    expect(sender.requestsTo('/slow-1')).toHaveLength(1);
    expect(sender.requestsTo('/last-ok')).toHaveLength(1);
  });

  it('adds no banner when the only link is a mailto to our own domains, our submission mailbox or the recipient', async () => {
    for (const address of ['ceo@example.com', 'someone@sub.example.com']) {
      const { id, link, delivered } = await newsletter(
        `<mailto:${address}?subject=Urgent%3A%20wire%20transfer&body=Please%20wire%2050k>`,
        {},
        { body: '<html><body>Weekly list</body></html>\n' },
      );
      // No banner, and no List-Unsubscribe for a mail program to offer as its own button.
      expect(link).toBe('');
      expect(delivered).not.toMatch(/^List-Unsubscribe:/im);
      expect(delivered).not.toContain('/u/');
      const events = (await gw.deps.tracking.get(id))?.events ?? [];
      expect(events.find((e) => e.type === 'unsubscribe-offered')?.detail).toBe(
        'safe unsubscribe not added: every unsubscribe link the message offers is one our safety checks refuse: ' +
          `mailto:${address}?subject=Urgent%3A%20wire%20transfer&body=Please%20wire%2050k (mailto own address); ` +
          "the sender's List-Unsubscribe header was removed",
      );
    }
    const store = (await (await fetch(`${gw.emulators.endpoints.ses}/store`)).json()) as {
      emails: Array<{ subject: string }>;
    };
    expect(store.emails.some((e) => e.subject.startsWith('Urgent'))).toBe(false);
  });

  it('offers the banner for the usable link when another one is refused, and tries only the usable one', async () => {
    sender.on('/usable', () => ({ status: 200 }));
    const { link } = await newsletter(`<mailto:ceo@example.com?subject=wire>, <${sender.httpBase}/usable>`);
    expect(link).toContain('/u/');
    const result = await page('POST', link);
    expect(result.html).toContain('Unsubscribe request sent');
    expect(sender.requestsTo('/usable')).toHaveLength(1);
  });

  it('shows a page that says so for graymail with no unsubscribe link, and adds no banner', async () => {
    const { id, link, delivered } = await newsletter(
      '',
      {},
      { body: '<html><body>Weekly list</body></html>\n' },
    );
    expect(link).toBe('');
    expect(delivered).not.toContain('/u/');
    const events = (await gw.deps.tracking.get(id))?.events ?? [];
    expect(events.find((e) => e.type === 'unsubscribe-offered')?.detail).toBe(
      'safe unsubscribe not added: the message offers no unsubscribe link or address',
    );
  });

  it('refuses a forged or altered token with a clear page', async () => {
    const { link } = await newsletter(`<${sender.httpBase}/get-ok>`);
    const [prefix, payload, mac] = link.split('/u/')[1]?.split('.') ?? [];
    const altered = `${gw.apiUrl}/u/${prefix}.${payload}.${(mac ?? '').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`;
    const forged = await page('POST', altered);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('This unsubscribe link is not valid');
    expect((await page('GET', `${gw.apiUrl}/u/not-a-token`)).status).toBe(400);
  });
});

describe('unsafe unsubscribe links are refused with the reason', () => {
  const refused = async (listUnsubscribe: string) => {
    const { id, link } = await newsletter(listUnsubscribe);
    const result = await page('POST', link);
    return { id, html: result.html };
  };

  // Refused by the link's text alone: no banner is offered for it (it would be refused on
  // every click), and the timeline names the link and the check.
  it.each([
    ['an IP-literal host', 'http://10.1.2.3/unsub', 'private address'],
    ['a punycode lookalike of a Latin name', 'http://xn--pple-43d.com/unsub', 'mixed script host'],
    ['a host on the local blocklist', 'http://mail.blocked.example.org/unsub', 'blocklisted host'],
  ])('%s: no banner, the reason in the timeline', async (_kind, uri, code) => {
    const { id, link, delivered } = await newsletter(`<${uri}>`);
    // No banner and no link of ours; the sender's List-Unsubscribe is removed (a mail program
    // would call it from inside the network), the body's link stays as written.
    expect(link).toBe('');
    expect(delivered).not.toMatch(/^List-Unsubscribe/im);
    expect(delivered).toContain(`href="${uri}"`);
    expect(delivered).not.toContain('/u/');
    const offered = (await gw.deps.tracking.get(id))?.events.find((e) => e.type === 'unsubscribe-offered');
    expect(offered?.detail).toBe(
      `safe unsubscribe not added: every unsubscribe link the message offers is one our safety checks refuse: ${uri} (${code}); the sender's List-Unsubscribe header was removed`,
    );
  });

  it('a non-web scheme is not read as an unsubscribe link at all', async () => {
    const { id, link } = await newsletter('<ftp://files.example.org/unsub>');
    expect(link).toBe('ftp://files.example.org/unsub');
    const offered = (await gw.deps.tracking.get(id))?.events.find((e) => e.type === 'unsubscribe-offered');
    expect(offered?.detail).toBe(
      'safe unsubscribe not added: the message offers no unsubscribe link or address',
    );
  });

  // Refused only once the link is used: where the host resolves to, or redirects to.
  it('a host name that resolves to a private address', async () => {
    const { html } = await refused('<http://evil-internal.example.net/unsub>');
    expect(html).toContain('<h1>Unsubscribe link blocked</h1>');
  });

  it('a redirect to the cloud metadata address, even with loopback allowed', async () => {
    sender.on('/to-metadata', () => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    }));
    const { id, html } = await refused(`<${sender.httpBase}/to-metadata>`);
    expect(html).toContain('<h1>Unsubscribe link blocked</h1>');
    const event = (await gw.deps.tracking.get(id))?.events.find((e) => e.type === 'unsubscribe-refused');
    expect(event?.detail).toContain('169.254.169.254');
  });
});

describe('graymail with the banner refused by the next hop for some recipients', () => {
  it('tells the sender once, naming every refused recipient, though each got a copy of its own', async () => {
    gw.sink?.refuseRecipients((address) => address.startsWith('gone-'), {
      code: 550,
      message: '5.1.1 mailbox unavailable',
    });
    try {
      const recipients = ['gone-a@example.com', 'gone-b@example.com', 'stays@example.com'];
      const raw = rfc822(
        {
          From: 'Deals Weekly <news@deals.example.net>',
          To: recipients.join(', '),
          Subject: 'Your weekly picks',
          'Message-ID': '<graymail-ndr@deals.example.net>',
          'List-Unsubscribe': `<${sender.httpBase}/unsub-ndr>`,
          'Feedback-ID': 'campaign:deals:esp',
          'Content-Type': 'text/html; charset=utf-8',
        },
        '<html><body><p>Hello from Deals Weekly: rakes, hoses and planters, 20% off.</p>' +
          `<p><a href="${sender.httpBase}/unsub-ndr">Unsubscribe</a></p></body></html>\n`,
      );
      const id = await gw.inject(
        raw,
        { from: 'news@deals.example.net', to: recipients },
        { ses: { dkimVerdict: { status: 'PASS' }, spfVerdict: { status: 'PASS' } } },
      );
      await gw.waitForState(id, ['mixed']);
      // The notice goes once every copy was tried: wait for it, then for anything more.
      let record = await gw.deps.tracking.get(id);
      for (let i = 0; i < 100 && !record?.events.some((e) => e.type === 'sender-notified'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        record = await gw.deps.tracking.get(id);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      record = await gw.deps.tracking.get(id);
      if (!record) throw new Error('no tracking record');
      expect(record.events.some((e) => e.type === 'unsubscribe-offered')).toBe(true);
      expect(record.recipientStates.map((r) => [r.recipient, r.state]).sort()).toEqual([
        ['gone-a@example.com', 'error'],
        ['gone-b@example.com', 'error'],
        ['stays@example.com', 'delivered'],
      ]);
      expect(record.events.filter((e) => e.type === 'sender-notified')).toHaveLength(1);
      const reports =
        gw.sink?.messages.filter(
          (m) =>
            m.recipients.includes('news@deals.example.net') && m.raw.includes(Buffer.from('<graymail-ndr@')),
        ) ?? [];
      expect(reports).toHaveLength(1);
      const text = reports[0]?.raw.toString('latin1') ?? '';
      expect(text).toContain('Final-Recipient: rfc822; gone-a@example.com');
      expect(text).toContain('Final-Recipient: rfc822; gone-b@example.com');
    } finally {
      gw.sink?.refuseRecipients(undefined);
    }
  });
});

describe('a link that redirects to a refused address beside another way to unsubscribe', () => {
  it('is not used again, the other is tried in the same request, and the page says which was blocked', async () => {
    // Prepare
    sender.on('/to-intranet', () => ({
      status: 302,
      headers: { location: 'http://evil-internal.example.net/x' },
    }));
    const { link } = await newsletter(
      `<${sender.httpBase}/to-intranet>, <mailto:leave@lists.deals.example.net?subject=unsubscribe>`,
      {},
      { dkim: true, sender: 'news@deals.example.net' },
    );

    // Act
    const done = await page('POST', link);

    // Assess: unsubscribed by mail at once, and told why the web link was not used.
    expect(done.html).toContain('<h1>Unsubscribe request sent</h1>');
    expect(done.html).toContain('(to <strong>leave@lists.deals.example.net</strong>)');
    expect(done.html).toContain(
      "We did not use one of the sender's unsubscribe links, because it failed our safety checks",
    );
    expect(done.html).toContain(
      'The unsubscribe link led to a private network address, never a public website.',
    );
    expect(done.html).toContain('Do not open such a link from the message either.');
    expect(sender.requestsTo('/to-intranet')).toHaveLength(1);
  });

  it('while the other one still fails, the in-progress page names the blocked link and only the other is retried', async () => {
    // Prepare
    sender.on('/to-metadata-2', () => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    }));
    sender.on('/busy-beside-metadata', (_r, n) => ({ status: n === 1 ? 503 : 200 }));
    const { link } = await newsletter(
      `<${sender.httpBase}/to-metadata-2>, <${sender.httpBase}/busy-beside-metadata>`,
    );

    // Act
    const first = await page('POST', link);
    clockOffsetMs += 16 * 60_000;
    await gw.retryUnsubscribes();
    const later = await page('GET', `${link}/status`);

    // Assess
    expect(first.status).toBe(202);
    expect(first.html).toContain("The sender's unsubscribe service has not accepted the request yet");
    expect(first.html).toContain('The unsubscribe link led to a cloud metadata service');
    expect(later.html).toContain('<h1>Unsubscribe request sent</h1>');
    expect(later.html).toContain('The unsubscribe link led to a cloud metadata service');
    expect(sender.requestsTo('/to-metadata-2')).toHaveLength(1);
    expect(sender.requestsTo('/busy-beside-metadata')).toHaveLength(2);
  });
});

describe('a refused List-Unsubscribe on mail scored as spam', () => {
  // Positive spam (the test header): no banner for spam, and the mail program's own
  // Unsubscribe button must neither confirm the address to a spammer nor call into the network.
  const spam = (to: string, listUnsubscribe: string, n: number): string =>
    rfc822(
      {
        From: 'Deals Weekly <news@news.example.com>',
        To: to,
        Subject: `Last chance (${n})`,
        Date: 'Tue, 24 Nov 2026 09:00:00 +0000',
        'Message-ID': `<spam-${n}@news.example.com>`,
        'X-Advertisement': 'spam',
        'List-Unsubscribe': listUnsubscribe,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      'Buy now.\n',
    );
  const deliveredCopy = async (n: number): Promise<string> =>
    (
      await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from(`<spam-${n}@news.example.com>`)))
    )?.raw.toString('utf8') ?? '';

  it('is taken out of a copy delivered as spam, whatever its links: unsubscribing confirms the address', async () => {
    const id = await gw.inject(spam('tagged@example.com', '<http://10.0.0.5/unsub?u=1>', 1), {
      from: 'news@news.example.com',
      to: ['tagged@example.com'],
    });
    await gw.waitForState(id, ['delivered']);
    const copy = await deliveredCopy(1);
    expect(copy).toMatch(/^Subject: \[SPAM\] Last chance/m);
    expect(copy).not.toMatch(/^List-Unsubscribe(-Post)?:/im);
    const events = (await gw.deps.tracking.get(id))?.events ?? [];
    expect(events.find((e) => e.type === 'unsubscribe-refused')?.detail).toBe(
      "the sender's List-Unsubscribe header was removed: the message is delivered as positive spam, and unsubscribing from spam tells its sender the address is read",
    );
  });

  it('is taken out of the copy released from quarantine when our checks refuse its link', async () => {
    const id = await gw.inject(spam('reader-spam@example.com', '<http://10.0.0.5/unsub?u=2>', 2), {
      from: 'news@news.example.com',
      to: ['reader-spam@example.com'],
    });
    await gw.waitForState(id, ['quarantined']);
    expect((await gw.api('POST', `/admin/quarantine/${id}/release`, {})).status).toBe(200);
    const copy = await deliveredCopy(2);
    expect(copy).toMatch(/^X-Graywall-Released:/m);
    expect(copy).not.toMatch(/^List-Unsubscribe(-Post)?:/im);
    const events = (await gw.deps.tracking.get(id))?.events ?? [];
    expect(events.find((e) => e.type === 'unsubscribe-refused')?.detail).toMatch(
      /^the sender's List-Unsubscribe header was removed: our safety checks refuse http:\/\/10\.0\.0\.5\/unsub\?u=2 \(/,
    );
  });

  it('is noted once in the timeline, however many delivery attempts it takes', async () => {
    gw.sink?.refuseWith({ code: 451, message: '4.3.0 try again later' });
    try {
      const id = await gw.inject(spam('tagged@example.com', '<http://10.0.0.5/unsub?u=4>', 4), {
        from: 'news@news.example.com',
        to: ['tagged@example.com'],
      });
      for (let i = 0; i < 100; i++) {
        const events = (await gw.deps.tracking.get(id))?.events ?? [];
        if (events.some((e) => e.type === 'delivery-failed')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      gw.sink?.refuseWith(undefined);
      const record = await gw.waitForState(id, ['delivered']);
      expect(record.events.filter((e) => e.type === 'delivery-failed').length).toBeGreaterThan(0);
      expect(record.events.filter((e) => e.type === 'unsubscribe-refused')).toHaveLength(1);
      expect(await deliveredCopy(4)).not.toMatch(/^List-Unsubscribe:/im);
    } finally {
      gw.sink?.refuseWith(undefined);
    }
  });

  it('stays on a released copy when our checks refuse none of its links: the admin judged it not spam', async () => {
    const id = await gw.inject(spam('reader-spam@example.com', '<https://news.example.com/unsub?u=3>', 3), {
      from: 'news@news.example.com',
      to: ['reader-spam@example.com'],
    });
    await gw.waitForState(id, ['quarantined']);
    expect((await gw.api('POST', `/admin/quarantine/${id}/release`, {})).status).toBe(200);
    expect(await deliveredCopy(3)).toMatch(/^List-Unsubscribe: <https:\/\/news\.example\.com\/unsub\?u=3>/m);
    const events = (await gw.deps.tracking.get(id))?.events ?? [];
    expect(events.some((e) => e.type === 'unsubscribe-refused')).toBe(false);
  });
});
