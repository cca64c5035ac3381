import { escapeHtml } from '../unsubscribe/html-scan.ts';

/**
 * The frame of every public page (safe unsubscribe, quarantine digest): small, accessible,
 * self-contained HTML with no scripts and no external resources, served with a strict
 * Content-Security-Policy. Callers escape their own content.
 */

export interface PageBranding {
  readonly organisation: string;
}

export interface Page {
  readonly status: number;
  readonly title: string;
  readonly html: string;
}

export function renderPage(
  branding: PageBranding,
  section: string,
  status: number,
  title: string,
  body: readonly string[],
): Page {
  const org = escapeHtml(branding.organisation);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} – ${org}</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}
header{color:#52606d;font-size:.9rem;border-bottom:1px solid #e4e7eb;margin-bottom:1.5rem}
h1{font-size:1.5rem}
button{font-size:1rem;padding:.5rem 1.25rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button:focus{outline:3px solid #93c5fd}
code{word-break:break-all;background:#f4f7fb;padding:.1rem .25rem}
</style>
</head>
<body>
<header><p>${org} · ${escapeHtml(section)}</p></header>
<main>
<h1>${escapeHtml(title)}</h1>
${body.join('\n')}
</main>
</body>
</html>
`;
  return { status, title, html };
}
