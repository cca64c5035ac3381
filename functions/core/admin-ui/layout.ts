import { escapeHtml } from '../unsubscribe/html-scan.ts';
import type { Page, PageBranding } from '../web/page-layout.ts';

/**
 * The frame of the admin web page: like the public pages (core/web/page-layout.ts) small,
 * self-contained HTML with no script and nothing to load, but wider (charts and tables) and
 * with the session's navigation. Callers escape their own content.
 */

export interface AdminSession {
  /** `/ui/<token>`: every link and form of the session starts here. */
  readonly basePath: string;
  /** The IAM principal the session was issued to. */
  readonly principal: string;
  /** ISO time the session link stops working. */
  readonly expiresAt: string;
}

export type AdminSection = 'overview' | 'quarantine';

/** Series colours, shared by the charts' bars (fill) and the legends' swatches (background). */
export const SERIES_COLOURS: Readonly<Record<string, string>> = {
  clean: '#15803d',
  suspect: '#d97706',
  positive: '#b91c1c',
  unscannable: '#6b7280',
  delivered: '#1d4ed8',
  quarantined: '#c2410c',
  released: '#0f766e',
  spam: '#b91c1c',
};

const SERIES_CSS = Object.entries(SERIES_COLOURS)
  .map(([key, colour]) => `.s-${key}{fill:${colour};background:${colour}}`)
  .join('\n');

export function renderAdminPage(
  branding: PageBranding,
  session: AdminSession | undefined,
  active: AdminSection | undefined,
  status: number,
  title: string,
  body: readonly string[],
): Page {
  const org = escapeHtml(branding.organisation);
  const nav = session
    ? `<nav aria-label="Admin pages"><ul>${(
        [
          ['overview', 'Overview', session.basePath],
          ['quarantine', 'Quarantine', `${session.basePath}/quarantine`],
        ] as const
      )
        .map(
          ([key, label, href]) =>
            `<li><a href="${escapeHtml(href)}"${key === active ? ' aria-current="page"' : ''}>${label}</a></li>`,
        )
        .join('')}</ul></nav>
<p class="session">Signed in as <strong>${escapeHtml(session.principal)}</strong> · this link works until ${escapeHtml(utc(session.expiresAt))} UTC</p>`
    : '';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} – ${org} admin</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}
header{color:#52606d;font-size:.9rem;border-bottom:1px solid #e4e7eb;margin-bottom:1.5rem}
header p{margin:.25rem 0}
nav ul{list-style:none;padding:0;margin:.5rem 0;display:flex;gap:1.5rem}
nav a{color:#1d4ed8;font-weight:bold;text-decoration:none}
nav a[aria-current=page]{color:#1f2933;border-bottom:3px solid #1d4ed8}
a:focus,button:focus,input:focus{outline:3px solid #93c5fd}
h1{font-size:1.5rem}
h2{font-size:1.15rem;margin-top:2rem}
figure{margin:1.5rem 0}
figcaption{font-weight:bold;margin-bottom:.25rem}
svg.chart{max-width:100%;height:auto;display:block}
svg.chart text{font-family:Arial,Helvetica,sans-serif;font-size:12px;fill:#52606d}
svg.chart text.value{fill:#1f2933;font-weight:bold}
svg.chart text.label{fill:#1f2933}
svg.chart .grid{stroke:#e4e7eb;stroke-width:1}
.legend{list-style:none;padding:0;margin:.25rem 0;display:flex;flex-wrap:wrap;gap:1rem;font-size:.9rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.35rem;vertical-align:-2px;border-radius:2px}
${SERIES_CSS}
.tiles{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0;padding:0}
.tiles div{border:1px solid #e4e7eb;border-radius:4px;padding:.5rem .9rem;min-width:6.5rem}
.tiles dt{font-size:.8rem;color:#52606d}
.tiles dd{margin:0;font-size:1.4rem;font-weight:bold}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
td.num,th.num{text-align:right}
td{overflow-wrap:break-word}
td.text{overflow-wrap:anywhere}
details{margin:.25rem 0;font-size:.9rem}
form.search{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
form.search label{display:flex;flex-direction:column;font-size:.85rem;color:#52606d}
input{font-size:1rem;padding:.35rem .5rem;border:1px solid #9aa5b1;border-radius:4px}
button{font-size:1rem;padding:.4rem 1rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer;white-space:nowrap}
.error{color:#991b1b;background:#fef2f2;border:1px solid #fecaca;padding:.5rem .75rem;border-radius:4px}
code{word-break:break-all;background:#f4f7fb;padding:.1rem .25rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
</style>
</head>
<body>
<header><p>${org} · Graywall admin</p>
${nav}
</header>
<main>
<h1>${escapeHtml(title)}</h1>
${body.join('\n')}
</main>
</body>
</html>
`;
  return { status, title, html };
}

/** `2026-11-25T10:00:00.000Z` → `2026-11-25 10:00`. */
export function utc(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}
