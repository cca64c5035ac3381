import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES_COLOURS } from '../../functions/core/admin-ui/layout.ts';
import { signUnsubscribeToken, TOKEN_PURPOSE } from '../../functions/core/unsubscribe/unsubscribe-token.ts';
import { LOCAL_ADMIN_PRINCIPAL } from '../../functions/local/http-api.ts';
import { launchBrowser } from '../support/browser.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { countColour, decodePng, distinctColours, isPng } from '../support/png.ts';

let gw: TestGateway;
let cli: CliRun;
let browser: Browser;
let clockOffsetMs = 0;
/** The test checks its screenshots itself; GRAYWALL_SCREENSHOTS=<dir> also keeps them for a person to look at. */
const shots = process.env.GRAYWALL_SCREENSHOTS;
function keep(name: string, png: Buffer): void {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  writeFileSync(join(shots, `${name}.png`), png);
}

beforeAll(async () => {
  gw = await startTestGateway({ clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
  cli = cliFor(gw);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

const HOSTILE_SUBJECT = '<img src=x onerror=alert(1)> Cheap watches';
const ids: Record<string, string> = {};

async function sendMail(name: string, from: string, subject: string, spam: boolean): Promise<string> {
  const id = await gw.send(
    rfc822(
      {
        From: from,
        To: 'dana@example.com',
        Subject: subject,
        'Message-ID': `<${name}@x>`,
        ...(spam ? { 'X-Advertisement': 'spam' } : {}),
      },
      'hello\n',
    ),
    { from, to: ['dana@example.com'] },
  );
  ids[name] = id;
  return id;
}

/** A screenshot that is a real rendered image: a PNG of the expected size with more than a blank's colours. */
function checkScreenshot(png: Buffer, name: string, size: { width: number; minHeight: number }) {
  keep(name, png);
  expect(isPng(png)).toBe(true);
  expect(png.byteLength).toBeGreaterThan(5_000);
  expect(png.byteLength).toBeLessThan(5_000_000);
  const image = decodePng(png);
  expect(image.width).toBe(size.width);
  expect(image.height).toBeGreaterThanOrEqual(size.minHeight);
  expect(distinctColours(image)).toBeGreaterThan(20);
  return image;
}

/** Sum of a series' bar values in one chart (each bar carries its figure). */
async function seriesTotal(page: Page, chart: string, series: string): Promise<number> {
  const values = await page
    .locator(`svg#${chart} rect[data-series="${series}"]`)
    .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-value'))));
  return values.reduce((a, b) => a + b, 0);
}

/** Chromium logs a 4xx page load as a console error; those are expected where a test asks for one. */
function withoutHttpErrors(problems: readonly string[]): string[] {
  return problems.filter((p) => !/the server responded with a status of 4\d\d/.test(p));
}

async function newPage(): Promise<{ page: Page; requests: string[]; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  // A CSP violation (a blocked style, script or load) shows as a console error.
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, requests, problems };
}

describe('the admin web page', () => {
  let link = '';

  it('opens through a session link the IAM-authorised admin API signs for its caller (graywall ui)', async () => {
    // Prepare: two clean messages and three spam ones (two from one sender) for dana.
    await sendMail('hello1', 'ann@partner.example.org', 'Minutes of Monday', false);
    await sendMail('hello2', 'ann@partner.example.org', 'Agenda for Friday', false);
    await sendMail('spam1', 'ads@spam.example.net', 'Cheap watches', true);
    await sendMail('spam2', 'ads@spam.example.net', 'Cheaper watches', true);
    await sendMail('spam3', 'promo@junk.example.org', HOSTILE_SUBJECT, true);
    for (const name of ['hello1', 'hello2']) await gw.waitForState(ids[name] as string, ['delivered']);
    for (const name of ['spam1', 'spam2', 'spam3'])
      await gw.waitForState(ids[name] as string, ['quarantined']);

    // Act
    const { code, out } = await cli('ui');

    // Assess
    expect(code).toBe(0);
    expect(out).toContain(`Admin web page for ${LOCAL_ADMIN_PRINCIPAL}, valid until `);
    link = /^(http\S+)$/m.exec(out)?.[1] ?? '';
    expect(link.startsWith(`${gw.apiUrl}/ui/`)).toBe(true);
    const json = JSON.parse((await cli('ui', '--minutes', '5', '--json')).out) as {
      url: string;
      principal: string;
      expiresAt: string;
    };
    expect(json.principal).toBe(LOCAL_ADMIN_PRINCIPAL);
    expect(Math.abs(Date.parse(json.expiresAt) - (Date.now() + 5 * 60_000))).toBeLessThan(5_000);
    const defaultLifetime = await gw.api<{ expiresAt: string }>('POST', '/admin/ui-session');
    expect(Math.abs(Date.parse(defaultLifetime.body.expiresAt) - (Date.now() + 3_600_000))).toBeLessThan(
      5_000,
    );
    expect((await gw.api('POST', '/admin/ui-session', { minutes: 100_000 })).status).toBe(400);
    expect((await cli('ui', '--minutes', 'soon')).err).toContain('minutes must be a number');
  });

  it('shows the last 7 days as charts with the figures of the mail sent, loading nothing else', async () => {
    const { page, requests, problems } = await newPage();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.title()).toBe('Mail overview, last 7 days – Example Corp admin');
    expect(await page.locator('header').textContent()).toContain(`Signed in as ${LOCAL_ADMIN_PRINCIPAL}`);

    // The totals, as tiles.
    const tile = (name: string) => page.locator(`dd[data-total="${name}"]`).textContent();
    expect(await tile('messages')).toBe('5');
    expect(await tile('clean')).toBe('2');
    expect(await tile('positive')).toBe('3');
    expect(await tile('delivered')).toBe('2');
    expect(await tile('quarantined')).toBe('3');
    expect(await tile('released')).toBe('0');

    // Three charts, drawn and visible, with the right figures on their bars.
    for (const chart of ['chart-verdicts', 'chart-actions', 'chart-spam-senders']) {
      const svg = page.locator(`svg#${chart}`);
      await expect.poll(() => svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(400);
      expect(box?.height).toBeGreaterThan(60);
      expect(await svg.getAttribute('role')).toBe('img');
    }
    expect(await page.locator('svg#chart-verdicts text.axis', { hasText: /^\d{2}-\d{2}$/ }).count()).toBe(7);
    expect(await seriesTotal(page, 'chart-verdicts', 'clean')).toBe(2);
    expect(await seriesTotal(page, 'chart-verdicts', 'positive')).toBe(3);
    expect(await seriesTotal(page, 'chart-verdicts', 'suspect')).toBe(0);
    expect(await seriesTotal(page, 'chart-actions', 'delivered')).toBe(2);
    expect(await seriesTotal(page, 'chart-actions', 'quarantined')).toBe(3);
    const senders = await page
      .locator('svg#chart-spam-senders rect')
      .evaluateAll((rects) =>
        rects.map((r) => [r.getAttribute('data-category'), r.getAttribute('data-value')]),
      );
    expect(senders).toEqual([
      ['ads@spam.example.net', '2'],
      ['promo@junk.example.org', '1'],
    ]);
    // The bars are drawn to scale: two messages, twice as long as one.
    const widths = await page
      .locator('svg#chart-spam-senders rect')
      .evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().width));
    expect((widths[0] as number) / (widths[1] as number)).toBeCloseTo(2, 1);

    // Screenshots: the whole page, and the verdict chart with its red spam and green clean bars.
    checkScreenshot(await page.screenshot({ fullPage: true }), 'overview', { width: 1280, minHeight: 900 });
    const chart = page.locator('svg#chart-verdicts');
    const box = await chart.boundingBox();
    const chartPng = await chart.screenshot();
    keep('verdict-chart', chartPng);
    expect(isPng(chartPng)).toBe(true);
    const image = decodePng(chartPng);
    expect(image.width).toBe(Math.round(box?.width ?? 0));
    expect(countColour(image, SERIES_COLOURS.positive as string)).toBeGreaterThan(500);
    expect(countColour(image, SERIES_COLOURS.clean as string)).toBeGreaterThan(300);
    const actions = decodePng(await page.locator('svg#chart-actions').screenshot());
    expect(countColour(actions, SERIES_COLOURS.delivered as string)).toBeGreaterThan(300);
    expect(countColour(actions, SERIES_COLOURS.quarantined as string)).toBeGreaterThan(300);

    // Nothing but the page itself was requested, and the policy blocked nothing.
    expect(requests).toEqual([link]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('searches the quarantine by recipient, sender, subject and time, showing hostile text as text', async () => {
    const { page, problems } = await newPage();
    await page.goto(link);
    await page.getByRole('link', { name: 'Quarantine', exact: true }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Quarantine');

    const search = async (fields: Record<string, string>) => {
      for (const name of ['recipient', 'sender', 'subject', 'since'])
        await page.locator(`#q-${name}`).fill(fields[name] ?? '');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForLoadState();
      return page.locator('tbody tr');
    };
    expect(await (await search({ recipient: 'dana@example.com' })).count()).toBe(3);
    expect(page.url()).toContain('/quarantine?recipient=dana%40example.com');
    expect(await (await search({ sender: 'ads@spam.example.net' })).count()).toBe(2);
    expect(await (await search({ subject: 'cheaper' })).count()).toBe(1);
    expect(await (await search({ recipient: 'nobody@example.com' })).count()).toBe(0);
    expect(await page.locator('#results').textContent()).toBe('No messages held in quarantine match.');
    expect(await (await search({ since: '1w' })).count()).toBe(3);
    // A time the page cannot read is said so, beside the form.
    expect(await (await search({ since: 'yesterday' })).count()).toBe(0);
    expect(await page.getByRole('alert').textContent()).toContain('since must be an ISO time');

    // The hostile subject is shown, not run or rendered as an image.
    const rows = await search({ sender: 'promo@junk.example.org' });
    expect(await rows.count()).toBe(1);
    expect(await rows.locator('td').nth(3).textContent()).toBe(HOSTILE_SUBJECT);
    expect(await page.locator('img').count()).toBe(0);
    checkScreenshot(await page.screenshot({ fullPage: true }), 'quarantine-search', {
      width: 1280,
      minHeight: 900,
    });
    expect(withoutHttpErrors(problems)).toEqual([]);
    await page.close();
  });

  it('releases an item with its Release button: delivered once, and the tracking record names the admin', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${link}/quarantine?subject=Cheap+watches`);
    expect(await page.locator('tbody tr').count()).toBe(2); // "Cheap watches" and the hostile one
    const target = page.locator(`tr[data-message-id="${ids.spam1}"]`);
    expect(await target.locator('td').nth(3).textContent()).toBe('Cheap watches');
    // Two buttons per row: Release, and "Release, not spam" (which also files a submission).
    await expect(target.getByRole('button', { name: /and report it as not spam$/ }).count()).resolves.toBe(1);
    await target.getByRole('button', { name: /^Release “Cheap watches” to \S+$/ }).click();
    await page.waitForLoadState();

    expect(await page.locator('h1').textContent()).toBe('Released');
    expect(await page.locator('main').textContent()).toContain(
      'Cheap watches from ads@spam.example.net was released and delivered to dana@example.com',
    );
    checkScreenshot(await page.screenshot(), 'released', { width: 1280, minHeight: 900 });
    const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<spam1@x>')));
    expect(delivered?.recipients).toEqual(['dana@example.com']);
    const principal = `${LOCAL_ADMIN_PRINCIPAL} (admin web page)`;
    const unfolded = delivered?.raw.toString('latin1').replace(/\r\n[ \t]+/g, ' ');
    expect(unfolded).toContain(`X-Graywall-Released: by ${principal} at `);

    // The tracking timeline and the quarantine item name who released it.
    const record = JSON.parse((await cli('track', ids.spam1 as string, '--json')).out) as {
      state: string;
      events: Array<{ type: string; detail: string }>;
    };
    expect(record.state).toBe('released');
    expect(record.events).toContainEqual(
      expect.objectContaining({ type: 'released', detail: `Released from quarantine by ${principal}` }),
    );
    const item = await gw.deps.quarantine.get(ids.spam1 as string, 'dana@example.com');
    expect(item).toMatchObject({ state: 'released', releasedBy: principal });

    // Posting the form again releases nothing twice.
    const again = await fetch(`${link}/release/${ids.spam1}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'recipient=dana%40example.com',
    });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Nothing to release');
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<spam1@x>')))).toHaveLength(1);

    // It is gone from the search, and the overview counts the release.
    await page.goto(`${link}/quarantine?recipient=dana%40example.com`);
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator(`tr[data-message-id="${ids.spam1}"]`).count()).toBe(0);
    await page.goto(link);
    expect(await page.locator('dd[data-total="released"]').textContent()).toBe('1');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses forged, cross-purpose and expired links with a clear 400 page, and releases nothing through them', async () => {
    const { page, problems } = await newPage();
    const token = link.slice(link.lastIndexOf('/') + 1);
    const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const response = await page.goto(forged);
    expect(response?.status()).toBe(400);
    expect(await page.locator('h1').textContent()).toBe('This admin link does not work');
    expect(await page.locator('main').textContent()).toContain('This admin page link is not valid');
    expect(await page.locator('nav').count()).toBe(0);
    checkScreenshot(await page.screenshot(), 'forged-link', { width: 1280, minHeight: 900 });

    // A release through a forged link does nothing.
    const deliveredBefore = gw.sink?.messages.length ?? 0;
    const forgedRelease = await fetch(`${forged}/release/${ids.spam2}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'recipient=dana%40example.com',
    });
    expect(forgedRelease.status).toBe(400);
    expect((await gw.deps.quarantine.get(ids.spam2 as string, 'dana@example.com'))?.state).toBe(
      'quarantined',
    );
    expect(gw.sink?.messages.length ?? 0).toBe(deliveredBefore);

    // A genuine token signed for another purpose (a digest link) opens nothing here.
    const digestToken = signUnsubscribeToken(
      {
        requestId: 'd20260101',
        recipient: LOCAL_ADMIN_PRINCIPAL,
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      },
      await gw.deps.keys.current(),
      TOKEN_PURPOSE.digest,
    );
    expect((await page.goto(`${gw.apiUrl}/ui/${digestToken}`))?.status()).toBe(400);
    expect(token).not.toBe(digestToken);

    // After its hour the link has expired, and says so.
    clockOffsetMs = 61 * 60_000;
    try {
      expect((await page.goto(link))?.status()).toBe(400);
      expect(await page.locator('main').textContent()).toContain('This admin page link has expired');
      expect(await page.locator('main').textContent()).toContain('graywall ui');
    } finally {
      clockOffsetMs = 0;
    }
    // Unknown pages under a valid session are a 404 page, not an error.
    expect((await page.goto(`${link}/nothing-here`))?.status()).toBe(404);
    expect(withoutHttpErrors(problems)).toEqual([]);
    await page.close();
  });
});
