import { escapeHtml } from '../unsubscribe/html-scan.ts';
import type { Page, PageBranding } from '../web/page-layout.ts';
import {
  type Category,
  groupedBarChart,
  horizontalBarChart,
  type Series,
  stackedBarChart,
} from './charts.ts';
import { type AdminSession, renderAdminPage, utc } from './layout.ts';

/**
 * The admin web page: an overview of the incoming-mail report as charts, and a quarantine
 * search whose results each have a Release button (a POST form). GET only shows; releasing
 * takes the POST of a form on the page.
 */

export interface DayFigures {
  /** UTC day, 2026-11-25. */
  readonly day: string;
  readonly counters: Readonly<Partial<Record<string, number>>>;
}

export interface OverviewData {
  /** ISO times of the window shown. */
  readonly since: string;
  readonly until: string;
  /** One entry per UTC day of the window, oldest first. */
  readonly days: readonly DayFigures[];
  readonly totals: Readonly<Partial<Record<string, number>>>;
  readonly topSpamSenders: ReadonlyArray<{ readonly key: string; readonly count: number }>;
}

export interface QuarantineRow {
  readonly messageId: string;
  readonly recipient: string;
  readonly sender: string;
  readonly subject: string;
  /** ISO time it was held. */
  readonly quarantinedAt: string;
  readonly score: number;
  /** The main reason it was held, in words. */
  readonly why: string;
  /**
   * What "release and report" files for it: `not spam` when held for a spam verdict, `not
   * marketing` when held as marketing graymail; absent (no report button) otherwise.
   */
  readonly report?: 'not spam' | 'not marketing';
}

/** The search form's fields as typed (echoed back into the form). */
export interface QuarantineSearch {
  readonly recipient?: string;
  readonly sender?: string;
  readonly subject?: string;
  readonly since?: string;
}

const VERDICT_SERIES: readonly Series[] = [
  { key: 'clean', label: 'clean' },
  { key: 'suspect', label: 'suspect' },
  { key: 'positive', label: 'positive spam' },
  { key: 'unscannable', label: 'unscannable' },
];
const ACTION_SERIES: readonly Series[] = [
  { key: 'delivered', label: 'delivered' },
  { key: 'quarantined', label: 'quarantined' },
];
const SPAM_SERIES: readonly Series[] = [{ key: 'spam', label: 'spam messages' }];
const TILES: ReadonlyArray<readonly [string, string]> = [
  ['messages', 'Messages'],
  ['clean', 'Clean'],
  ['suspect', 'Suspect'],
  ['positive', 'Positive spam'],
  ['graymail', 'Graymail'],
  // Recipients a blocklist entry decided for, whatever the score said.
  ['blocklisted', 'Blocklisted'],
  ['delivered', 'Delivered'],
  ['quarantined', 'Quarantined'],
  ['released', 'Released'],
];

export function overviewPage(branding: PageBranding, session: AdminSession, data: OverviewData): Page {
  const totals: Readonly<Partial<Record<string, number>>> = {
    ...data.totals,
    graymail: sum(data.totals, ['marketing', 'social', 'bulk']),
  };
  const dayCategories = (series: readonly Series[]): Category[] =>
    data.days.map((d) => ({
      key: d.day,
      label: d.day.slice(5),
      values: Object.fromEntries(series.map((s) => [s.key, d.counters[s.key] ?? 0])),
    }));
  const senders: Category[] = data.topSpamSenders.map((s) => ({
    key: s.key,
    label: s.key,
    values: { spam: s.count },
  }));
  const body = [
    `<p>Incoming mail from ${escapeHtml(data.days[0]?.day ?? data.since.slice(0, 10))} to ${escapeHtml(data.days[data.days.length - 1]?.day ?? data.until.slice(0, 10))} (UTC days). Messages and verdicts count messages (verdicts are the score's); blocklist decisions, deliveries and quarantines count recipients.</p>`,
    `<dl class="tiles" aria-label="Totals">${TILES.map(
      ([key, label]) => `<div><dt>${label}</dt><dd data-total="${key}">${totals[key] ?? 0}</dd></div>`,
    ).join('')}</dl>`,
    figure(
      'verdicts',
      'Verdicts per day',
      stackedBarChart({
        id: 'chart-verdicts',
        title: 'Verdicts per day: clean, suspect, positive spam and unscannable messages, stacked',
        series: VERDICT_SERIES,
        categories: dayCategories(VERDICT_SERIES),
      }),
      VERDICT_SERIES,
      dayTable(data.days, VERDICT_SERIES),
    ),
    figure(
      'actions',
      'Deliveries and quarantines per day',
      groupedBarChart({
        id: 'chart-actions',
        title: 'Deliveries and quarantines per day, side by side',
        series: ACTION_SERIES,
        categories: dayCategories(ACTION_SERIES),
      }),
      ACTION_SERIES,
      dayTable(data.days, ACTION_SERIES),
    ),
    senders.length === 0
      ? `<h2 id="fig-spam-senders">Top spam senders</h2>\n<p>No spam (suspect or positive) in this period.</p>`
      : figure(
          'spam-senders',
          'Top spam senders',
          horizontalBarChart({
            id: 'chart-spam-senders',
            title: 'Top senders of spam (suspect or positive), most messages first',
            series: SPAM_SERIES,
            categories: senders,
          }),
          [],
          table(
            ['Sender', 'Spam messages'],
            data.topSpamSenders.map((s) => [escapeHtml(s.key), String(s.count)]),
          ),
        ),
    `<p><a href="${escapeHtml(`${session.basePath}/quarantine`)}">Search the quarantine</a></p>`,
  ];
  return renderAdminPage(branding, session, 'overview', 200, 'Mail overview, last 7 days', body);
}

export function quarantinePage(
  branding: PageBranding,
  session: AdminSession,
  search: QuarantineSearch,
  result:
    | { readonly rows: readonly QuarantineRow[]; readonly nextPage?: string }
    | { readonly error: string },
): Page {
  const base = `${session.basePath}`;
  const field = (name: keyof QuarantineSearch, label: string, placeholder: string) =>
    `<label for="q-${name}">${label}<input id="q-${name}" name="${name}" type="text" value="${escapeHtml(search[name] ?? '')}" placeholder="${escapeHtml(placeholder)}" maxlength="320"></label>`;
  const body = [
    `<form class="search" method="get" action="${escapeHtml(`${base}/quarantine`)}" role="search" aria-label="Search the quarantine">`,
    field('recipient', 'Recipient', 'user@example.com'),
    field('sender', 'Sender', 'sender@example.org'),
    field('subject', 'Subject contains', 'invoice'),
    field('since', 'Since', '30d or 2026-11-01'),
    '<button type="submit">Search</button>',
    '</form>',
  ];
  if ('error' in result) {
    body.push(`<p class="error" role="alert">${escapeHtml(result.error)}</p>`);
    return renderAdminPage(branding, session, 'quarantine', 400, 'Quarantine', body);
  }
  if (result.rows.length === 0) {
    body.push('<p id="results">No messages held in quarantine match.</p>');
  } else {
    body.push(
      `<p id="results">${result.rows.length} message${result.rows.length === 1 ? '' : 's'} held in quarantine, newest first.</p>`,
      `<table aria-describedby="results"><thead><tr><th scope="col">Held (UTC)</th><th scope="col">Recipient</th><th scope="col">Sender</th><th scope="col">Subject</th><th scope="col">Why</th><th scope="col"><span class="sr">Action</span></th></tr></thead><tbody>`,
      ...result.rows.map(
        (row) =>
          `<tr data-message-id="${escapeHtml(row.messageId)}"><td>${escapeHtml(utc(row.quarantinedAt))}</td><td>${escapeHtml(row.recipient)}</td><td>${escapeHtml(row.sender)}</td><td class="text">${escapeHtml(row.subject)}</td><td class="text">${escapeHtml(row.why)} <small>(score ${row.score})</small></td><td><form method="post" action="${escapeHtml(`${base}/release/${row.messageId}`)}"><input type="hidden" name="recipient" value="${escapeHtml(row.recipient)}"><button type="submit" aria-label="${escapeHtml(`Release “${row.subject}” to ${row.recipient}`)}">Release</button> ${row.report ? `<button type="submit" name="report" value="not-spam" aria-label="${escapeHtml(`Release “${row.subject}” to ${row.recipient} and report it as ${row.report}`)}">Release, ${row.report}</button>` : ''}</form></td></tr>`,
      ),
      '</tbody></table>',
    );
    if (result.nextPage)
      body.push(`<p><a href="${escapeHtml(`${base}/quarantine?${result.nextPage}`)}">More results</a></p>`);
  }
  return renderAdminPage(branding, session, 'quarantine', 200, 'Quarantine', body);
}

export function releasedPage(
  branding: PageBranding,
  session: AdminSession,
  row: Pick<QuarantineRow, 'subject' | 'sender' | 'recipient'>,
  outcome: 'released' | 'unchanged',
  state?: string,
  /** What release-and-report filed (the submission and what it says), or why it filed nothing. */
  report?: { readonly submissionId: string; readonly what: string } | { readonly notReported: string },
): Page {
  const what = `<strong>${escapeHtml(row.subject)}</strong> from ${escapeHtml(row.sender)}`;
  const back = `<p><a href="${escapeHtml(`${session.basePath}/quarantine`)}">Back to the quarantine</a></p>`;
  if (outcome === 'unchanged')
    return renderAdminPage(branding, session, 'quarantine', 200, 'Nothing to release', [
      `<p>${what} is no longer held for ${escapeHtml(row.recipient)}${state ? ` (it is ${escapeHtml(state)})` : ''}. Nothing was delivered again.</p>`,
      back,
    ]);
  return renderAdminPage(branding, session, 'quarantine', 200, 'Released', [
    `<p>${what} was released and delivered to ${escapeHtml(row.recipient)}.</p>`,
    `<p>The message's tracking record names you (${escapeHtml(session.principal)}, admin web page) as who released it.</p>`,
    ...(report && 'submissionId' in report
      ? [
          `<p>It was also reported as ${escapeHtml(report.what)} (submission ${escapeHtml(report.submissionId)}).</p>`,
        ]
      : []),
    ...(report && 'notReported' in report
      ? [`<p>It was not reported: ${escapeHtml(report.notReported)}.</p>`]
      : []),
    back,
  ]);
}

export function messageNotFoundPage(branding: PageBranding, session: AdminSession): Page {
  return renderAdminPage(branding, session, 'quarantine', 404, 'Message not found', [
    '<p>This message is not held in quarantine for that recipient: it was released, deleted or has expired.</p>',
    `<p><a href="${escapeHtml(`${session.basePath}/quarantine`)}">Back to the quarantine</a></p>`,
  ]);
}

export function releaseFailedPage(branding: PageBranding, session: AdminSession): Page {
  return renderAdminPage(branding, session, 'quarantine', 502, 'Release failed', [
    '<p>The downstream mail server did not accept the message. It stays in quarantine; the attempt is in its tracking record. Try again later.</p>',
    `<p><a href="${escapeHtml(`${session.basePath}/quarantine`)}">Back to the quarantine</a></p>`,
  ]);
}

export function invalidSessionPage(branding: PageBranding, expired: boolean): Page {
  return renderAdminPage(branding, undefined, undefined, 400, 'This admin link does not work', [
    expired
      ? '<p>This admin page link has expired.</p>'
      : '<p>This admin page link is not valid: it may have been changed or cut off.</p>',
    '<p>Ask for a new link with <code>graywall ui</code> (or <code>POST /admin/ui-session</code> on the admin API).</p>',
  ]);
}

export function adminPageNotFound(branding: PageBranding): Page {
  return renderAdminPage(branding, undefined, undefined, 404, 'Page not found', [
    '<p>There is no admin page at this address. Ask for a new link with <code>graywall ui</code>.</p>',
  ]);
}

export function adminPageError(branding: PageBranding, reference: string): Page {
  return renderAdminPage(branding, undefined, undefined, 500, 'Something went wrong', [
    `<p>Something went wrong on our side. Please try again in a few minutes (reference ${escapeHtml(reference)}).</p>`,
  ]);
}

function figure(
  id: string,
  caption: string,
  chart: string,
  legend: readonly Series[],
  figures: string,
): string {
  const items = legend
    .map((s) => `<li><span class="swatch s-${s.key}" aria-hidden="true"></span>${escapeHtml(s.label)}</li>`)
    .join('');
  return `<figure id="fig-${id}" aria-labelledby="fig-${id}-caption">
<figcaption id="fig-${id}-caption">${escapeHtml(caption)}</figcaption>
${chart}
${items ? `<ul class="legend">${items}</ul>` : ''}
<details><summary>${escapeHtml(caption)} as a table</summary>${figures}</details>
</figure>`;
}

function dayTable(days: readonly DayFigures[], series: readonly Series[]): string {
  return table(
    ['Day', ...series.map((s) => s.label)],
    days.map((d) => [escapeHtml(d.day), ...series.map((s) => String(d.counters[s.key] ?? 0))]),
  );
}

/** Headers are plain text; cells arrive escaped. */
function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const head = headers
    .map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${escapeHtml(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${cell}</th>` : `<td class="num">${cell}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function sum(counters: Readonly<Partial<Record<string, number>>>, keys: readonly string[]): number {
  return keys.reduce((total, key) => total + (counters[key] ?? 0), 0);
}
