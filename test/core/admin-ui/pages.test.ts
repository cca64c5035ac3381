import { describe, expect, it } from 'vitest';
import type { AdminSession } from '../../../functions/core/admin-ui/layout.ts';
import {
  adminPageError,
  invalidSessionPage,
  messageNotFoundPage,
  type OverviewData,
  overviewPage,
  type QuarantineRow,
  quarantinePage,
  releasedPage,
} from '../../../functions/core/admin-ui/pages.ts';
import type { Page } from '../../../functions/core/web/page-layout.ts';

const branding = { organisation: 'Example <Corp>' };
const session: AdminSession = {
  basePath: '/ui/k1.AAAA.BBBB',
  principal: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
  expiresAt: '2026-11-25T11:00:00.000Z',
};
const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

const days = ['19', '20', '21', '22', '23', '24', '25'].map((d) => ({
  day: `2026-11-${d}`,
  counters: d === '25' ? { messages: 5, clean: 2, positive: 3, delivered: 2, quarantined: 3 } : {},
}));
const overview: OverviewData = {
  since: '2026-11-19T00:00:00.000Z',
  until: '2026-11-25T10:00:00.000Z',
  days,
  totals: {
    messages: 5,
    clean: 2,
    positive: 3,
    delivered: 2,
    quarantined: 3,
    marketing: 2,
    bulk: 1,
    blocklisted: 1,
  },
  topSpamSenders: [
    { key: 'ads@spam.example.net', count: 2 },
    { key: HOSTILE, count: 1 },
  ],
};
const row: QuarantineRow = {
  messageId: 'abc123',
  recipient: 'dana@example.com',
  sender: 'ads@spam.example.net',
  subject: HOSTILE,
  quarantinedAt: '2026-11-25T09:30:12.000Z',
  score: 100,
  why: 'Test header "X-Advertisement: spam" present',
};

/** Every page: escaped, self-contained, no script, nothing loaded from elsewhere. */
function expectSafe(page: Page): void {
  expect(page.html).toMatch(/^<!doctype html>\n<html lang="en">/);
  // Markup only: every tag, with its (escaped, so quote-free) attribute values blanked out.
  const tags = [...page.html.matchAll(/<[a-z][^>]*>/gi)].map(([tag]) => tag.replace(/"[^"]*"/g, '""'));
  expect(tags.length).toBeGreaterThan(10);
  for (const tag of tags) {
    expect(tag).not.toMatch(/^<(script|img|iframe|object|embed|link|base)\b/i);
    expect(tag).not.toMatch(/\s(on\w+|src|srcset|style)=/i);
  }
  expect(page.html).not.toMatch(/href="(https?:)?\/\/|url\(|@import/i);
  expect(page.html).toContain('<title>');
  expect(page.html).toContain('Example &#60;Corp&#62;');
}

describe('overviewPage', () => {
  const page = overviewPage(branding, session, overview);

  it('shows the totals, with graymail summed over its categories', () => {
    expect(page.status).toBe(200);
    expect(page.title).toBe('Mail overview, last 7 days');
    expect(page.html).toContain('<dd data-total="messages">5</dd>');
    expect(page.html).toContain('<dd data-total="positive">3</dd>');
    expect(page.html).toContain('<dd data-total="graymail">3</dd>');
    expect(page.html).toContain('<dd data-total="released">0</dd>');
    expect(page.html).toContain('<dd data-total="blocklisted">1</dd>');
    expect(page.html).toContain('from 2026-11-19 to 2026-11-25');
  });

  it('draws the three charts, each in a captioned figure with a legend and its figures as a table', () => {
    for (const [id, caption] of [
      ['verdicts', 'Verdicts per day'],
      ['actions', 'Deliveries and quarantines per day'],
      ['spam-senders', 'Top spam senders'],
    ]) {
      expect(page.html).toContain(`<figure id="fig-${id}" aria-labelledby="fig-${id}-caption">`);
      expect(page.html).toContain(`<figcaption id="fig-${id}-caption">${caption}</figcaption>`);
      expect(page.html).toContain(`<svg id="chart-${id}" class="chart"`);
      expect(page.html).toContain(`<summary>${caption} as a table</summary>`);
    }
    expect(page.html).toContain('<span class="swatch s-positive" aria-hidden="true"></span>positive spam');
    expect(page.html).toContain('<tr><th scope="row">2026-11-25</th><td class="num">2</td>');
    expect(page.html.match(/data-series="positive"/g)).toHaveLength(1);
  });

  it('escapes sender addresses from mail in the chart and its table', () => {
    expectSafe(page);
    expect(page.html).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('says so when there was no spam, instead of an empty chart', () => {
    const quiet = overviewPage(branding, session, { ...overview, topSpamSenders: [] });
    expect(quiet.html).not.toContain('chart-spam-senders');
    expect(quiet.html).toContain('No spam (suspect or positive) in this period.');
  });

  it('names the session: who is signed in, until when, and links only within it', () => {
    expect(page.html).toContain(
      'Signed in as <strong>arn:aws:sts::123456789012:assumed-role/Admin/alice</strong> · this link works until 2026-11-25 11:00 UTC',
    );
    expect(page.html).toContain('<a href="/ui/k1.AAAA.BBBB" aria-current="page">Overview</a>');
    expect(page.html).toContain('<a href="/ui/k1.AAAA.BBBB/quarantine">Quarantine</a>');
    for (const [, href] of page.html.matchAll(/href="([^"]*)"/g))
      expect(href).toMatch(/^\/ui\/k1\.AAAA\.BBBB/);
  });
});

describe('release and report on the quarantine page', () => {
  it('offers the report that fits why the row was held, and none where nothing would be filed', () => {
    const rows = [
      { ...row, messageId: 'spam1', report: 'not spam' as const },
      { ...row, messageId: 'mkt1', report: 'not marketing' as const },
      { ...row, messageId: 'bulk1' },
    ];
    const html = quarantinePage(branding, session, {}, { rows }).html;
    const rowOf = (id: string) => html.slice(html.indexOf(`data-message-id="${id}"`)).split('</tr>')[0] ?? '';
    expect(rowOf('spam1')).toContain('>Release, not spam</button>');
    expect(rowOf('mkt1')).toContain('>Release, not marketing</button>');
    expect(rowOf('bulk1')).toContain('>Release</button>');
    expect(rowOf('bulk1')).not.toContain('name="report"');
  });

  it('says what was filed, or why nothing was', () => {
    const filed = releasedPage(branding, session, row, 'released', undefined, {
      submissionId: '20261125T120000Z-0123abcd',
      what: 'not marketing mail',
    });
    expect(filed.html).toContain(
      '<p>It was also reported as not marketing mail (submission 20261125T120000Z-0123abcd).</p>',
    );
    const none = releasedPage(branding, session, row, 'released', undefined, {
      notReported: 'it was held as bulk graymail, not as spam',
    });
    expect(none.html).toContain('<p>It was not reported: it was held as bulk graymail, not as spam.</p>');
  });
});

describe('quarantinePage', () => {
  it('lists the results, each with a Release button posting to its own message with the recipient', () => {
    const page = quarantinePage(branding, session, { recipient: 'dana@example.com' }, { rows: [row] });
    expectSafe(page);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<p id="results">1 message held in quarantine, newest first.</p>');
    expect(page.html).toContain(
      '<form method="post" action="/ui/k1.AAAA.BBBB/release/abc123"><input type="hidden" name="recipient" value="dana@example.com">',
    );
    expect(page.html).toContain('<td>2026-11-25 09:30</td>');
    expect(page.html).toContain(
      'Test header &#34;X-Advertisement: spam&#34; present <small>(score 100)</small>',
    );
    expect(page.html).toContain('aria-label="Release “&#34;&#62;&#60;script&#62;');
  });

  it('echoes the search into its labelled form fields, escaped', () => {
    const page = quarantinePage(branding, session, { subject: HOSTILE, since: '7d' }, { rows: [] });
    expectSafe(page);
    expect(page.html).toContain(
      '<form class="search" method="get" action="/ui/k1.AAAA.BBBB/quarantine" role="search"',
    );
    expect(page.html).toContain(
      '<label for="q-subject">Subject contains<input id="q-subject" name="subject"',
    );
    expect(page.html).toContain('value="&#34;&#62;&#60;script&#62;');
    expect(page.html).toContain('<input id="q-since" name="since" type="text" value="7d"');
    expect(page.html).toContain('No messages held in quarantine match.');
  });

  it('links to the next page of results when there is one', () => {
    const page = quarantinePage(branding, session, {}, { rows: [row], nextPage: 'sender=a%40b&cursor=xyz' });
    expect(page.html).toContain(
      '<a href="/ui/k1.AAAA.BBBB/quarantine?sender=a%40b&#38;cursor=xyz">More results</a>',
    );
  });

  it('shows a search it cannot run as an alert beside the form (400)', () => {
    const page = quarantinePage(branding, session, { since: 'soon' }, { error: 'since must be an ISO time' });
    expect(page.status).toBe(400);
    expect(page.html).toContain('<p class="error" role="alert">since must be an ISO time</p>');
    expect(page.html).not.toContain('<table');
  });
});

describe('the release pages', () => {
  it('confirm a release and who is recorded as having done it', () => {
    const page = releasedPage(branding, session, row, 'released');
    expectSafe(page);
    expect(page.title).toBe('Released');
    expect(page.html).toContain('was released and delivered to dana@example.com.');
    expect(page.html).toContain('(arn:aws:sts::123456789012:assumed-role/Admin/alice, admin web page)');
  });

  it('say when there was nothing to release, and what state the item is in', () => {
    const page = releasedPage(branding, session, row, 'unchanged', 'released');
    expect(page.title).toBe('Nothing to release');
    expect(page.html).toContain('(it is released). Nothing was delivered again.');
    expect(messageNotFoundPage(branding, session).status).toBe(404);
  });
});

describe('pages outside a session', () => {
  it('tell an expired link from a forged one (400), without navigation, and say how to get a new one', () => {
    const expired = invalidSessionPage(branding, true);
    const forged = invalidSessionPage(branding, false);
    for (const page of [expired, forged]) {
      expectSafe(page);
      expect(page.status).toBe(400);
      expect(page.html).not.toContain('<nav');
      expect(page.html).toContain('<code>graywall ui</code>');
    }
    expect(expired.html).toContain('This admin page link has expired.');
    expect(forged.html).toContain('This admin page link is not valid');
  });

  it('name only a reference on an internal error', () => {
    const page = adminPageError(branding, 'req-<1>');
    expect(page.status).toBe(500);
    expect(page.html).toContain('(reference req-&#60;1&#62;)');
  });
});
