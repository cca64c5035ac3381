import { escapeHtml } from './html-scan.ts';
import type { UnsubscribeRequest } from './request.ts';

/**
 * The public unsubscribe pages: small, accessible, self-contained HTML (no scripts, no
 * external resources; the API serves them with a strict Content-Security-Policy). Every
 * value from mail or a request is escaped. GET pages never change anything: link scanners
 * and prefetchers follow GETs, so only the form's POST unsubscribes.
 */

export interface PageBranding {
  readonly organisation: string;
}

export interface Page {
  readonly status: number;
  readonly title: string;
  readonly html: string;
}

export function confirmationPage(
  branding: PageBranding,
  request: UnsubscribeRequest,
  actionPath: string,
): Page {
  const sender = request.from ?? request.envelopeFrom;
  return page(branding, 200, 'Unsubscribe?', [
    `<p>Stop receiving mail like <strong>${escapeHtml(request.subject ?? '(no subject)')}</strong> from <strong>${escapeHtml(sender)}</strong> at ${escapeHtml(request.recipient)}?</p>`,
    `<p>We will unsubscribe you on your behalf, after checking the sender's unsubscribe link, so you never have to open it.</p>`,
    `<form method="post" action="${escapeHtml(actionPath)}"><button type="submit">Unsubscribe</button></form>`,
  ]);
}

export function successPage(branding: PageBranding, request: UnsubscribeRequest): Page {
  return page(branding, 200, 'Successfully unsubscribed', [
    `<p>You have been unsubscribed from mail sent by <strong>${escapeHtml(request.from ?? request.envelopeFrom)}</strong> to ${escapeHtml(request.recipient)}.</p>`,
    '<p>Some senders take a few days to stop; nothing more needs doing on your side.</p>',
  ]);
}

export function inProgressPage(
  branding: PageBranding,
  request: UnsubscribeRequest,
  statusPath: string,
): Page {
  return page(branding, 202, 'Unsubscribe in progress', [
    `<p>The sender's unsubscribe service did not answer yet. We keep trying until ${escapeHtml(formatTime(request.retryUntil))}.</p>`,
    `<p>Check the result later on <a href="${escapeHtml(statusPath)}">the status page</a>.</p>`,
  ]);
}

export function unablePage(branding: PageBranding, request: UnsubscribeRequest): Page {
  const manual = request.listUnsubscribe[0] ?? request.bodyLinks[0];
  return page(branding, 200, 'Unable to unsubscribe', [
    `<p>We could not unsubscribe you from mail sent by <strong>${escapeHtml(request.from ?? request.envelopeFrom)}</strong>: the sender's unsubscribe service kept failing.</p>`,
    manual
      ? `<p>You can try the sender's own link yourself. It is shown here as text; copy it only if you trust the sender:</p><p><code>${escapeHtml(manual)}</code></p>`
      : '<p>The message offered no other way to unsubscribe.</p>',
  ]);
}

export function blockedPage(branding: PageBranding, reason: string): Page {
  return page(branding, 200, 'Unsubscribe link blocked', [
    "<p>We did not use the sender's unsubscribe link, because it failed our safety checks:</p>",
    `<p><strong>${escapeHtml(reason)}</strong></p>`,
    '<p>Do not open the link from the message either. If this mail is unwanted, report it or ask your mail administrator to block the sender.</p>',
  ]);
}

export function invalidLinkPage(branding: PageBranding, reason: string): Page {
  return page(branding, 400, 'This link does not work', [`<p>${escapeHtml(reason)}</p>`]);
}

function page(branding: PageBranding, status: number, title: string, body: readonly string[]): Page {
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
<header><p>${org} · safe unsubscribe</p></header>
<main>
<h1>${escapeHtml(title)}</h1>
${body.join('\n')}
</main>
</body>
</html>
`;
  return { status, title, html };
}

function formatTime(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'later today';
}
