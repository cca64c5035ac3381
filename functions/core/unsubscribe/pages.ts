import { type Page, type PageBranding, renderPage } from '../web/page-layout.ts';
import { escapeHtml } from './html-scan.ts';
import { isGoneAttempt, isRedirectLoopDetail, mailtoRefusal, type UnsubscribeRequest } from './request.ts';
import { checkUnsubscribeUri } from './uri-safety.ts';

/**
 * The public unsubscribe pages: small, accessible, self-contained HTML (no scripts, no
 * external resources; the API serves them with a strict Content-Security-Policy). Every
 * value from mail or a request is escaped. GET pages never change anything: link scanners
 * and prefetchers follow GETs, so only the form's POST unsubscribes.
 */

export type { Page, PageBranding };

export function confirmationPage(
  branding: PageBranding,
  request: UnsubscribeRequest,
  actionPath: string,
): Page {
  const sender = request.from ?? request.envelopeFrom;
  // A mail in the reader's name is theirs to agree to: say where it would go.
  const mailto = (request.listUnsubscribe ?? [])
    .map((uri) => checkUnsubscribeUri(uri))
    .flatMap((check) => (check.ok && check.target.kind === 'mailto' ? [check.target.to] : []))
    .find((to) => mailtoRefusal(request, to) === undefined);
  return renderPage(branding, 'safe unsubscribe', 200, 'Unsubscribe?', [
    `<p>Stop receiving mail from <strong>${escapeHtml(sender)}</strong> at ${escapeHtml(request.recipient)}, like the message with the subject “${escapeHtml(quotedSubject(request.subject))}”?</p>`,
    `<p>We will unsubscribe you on your behalf, after checking the sender's unsubscribe link, so you never have to open it.</p>`,
    ...(mailto
      ? [
          `<p>If the sender's web link does not work or there is none, we send an unsubscribe mail from your address to <strong>${escapeHtml(mailto)}</strong>, as the message asks.</p>`,
        ]
      : []),
    `<form method="post" action="${escapeHtml(actionPath)}"><button type="submit">Unsubscribe</button></form>`,
  ]);
}

/**
 * What succeeded, said no stronger than it is: only an RFC 8058 one-click POST the sender
 * accepted is an unsubscription by definition. A link that answered a GET may have shown a
 * page asking to confirm (which we never fill in), and a mail may sit unread.
 */
export function successPage(branding: PageBranding, request: UnsubscribeRequest): Page {
  const sender = `<strong>${escapeHtml(request.from ?? request.envelopeFrom)}</strong>`;
  const recipient = escapeHtml(request.recipient);
  const method = request.attempts.find((a) => a.outcome === 'succeeded')?.method;
  if (method === 'ONE_CLICK_POST') {
    return renderPage(branding, 'safe unsubscribe', 200, 'Successfully unsubscribed', [
      `<p>You have been unsubscribed from mail sent by ${sender} to ${recipient}.</p>`,
      '<p>Some senders take a few days to stop; nothing more needs doing on your side.</p>',
      ...refusedLinksNote(request),
    ]);
  }
  return renderPage(branding, 'safe unsubscribe', 200, 'Unsubscribe request sent', [
    method === 'MAILTO'
      ? `<p>We sent the unsubscribe mail that the message from ${sender} asks for (to <strong>${escapeHtml(mailtoAddress(request))}</strong>), for ${recipient}.</p>`
      : `<p>The unsubscribe link of ${sender} accepted the request for ${recipient}.</p>`,
    '<p>Most senders stop within a few days. Some ask for a confirmation on their own page, which we do not fill in for you: if this mail keeps coming, report it or ask your mail administrator to block the sender.</p>',
    ...refusedLinksNote(request),
  ]);
}

export function inProgressPage(
  branding: PageBranding,
  request: UnsubscribeRequest,
  statusPath: string,
): Page {
  const pending = request.attempts.filter((a) => a.outcome === 'failed' && !isGoneAttempt(a));
  // "In progress" after a blocked link must not read as the sender's fault alone: say which
  // way out is still pending, and why the other one will not be used.
  const waiting =
    pending.length === 0
      ? "We have not reached the sender's other unsubscribe links yet."
      : pending.every((a) => a.method === 'MAILTO')
        ? 'The unsubscribe mail that the message asks for could not be sent yet.'
        : "The sender's unsubscribe service has not accepted the request yet (it failed or did not answer).";
  return renderPage(branding, 'safe unsubscribe', 202, 'Unsubscribe in progress', [
    `<p>${waiting} We keep trying until ${escapeHtml(formatTime(request.retryUntil))}.</p>`,
    `<p>Check the result later on <a href="${escapeHtml(statusPath)}">the status page</a>.</p>`,
    ...refusedLinksNote(request),
  ]);
}

export function unablePage(branding: PageBranding, request: UnsubscribeRequest): Page {
  // Only a web link that passed our safety checks and then failed at the sender's end: one we
  // refused (a lookalike domain, an internal address) is never suggested.
  // Nor a dead one (404, 410, a redirect loop): nothing to try there.
  const manual = request.attempts.find(
    (a) => a.outcome === 'failed' && /^https?:/i.test(a.uri) && !isGoneAttempt(a),
  )?.uri;
  return renderPage(branding, 'safe unsubscribe', 200, 'Unable to unsubscribe', [
    `<p>We could not unsubscribe you from mail sent by <strong>${escapeHtml(request.from ?? request.envelopeFrom)}</strong>: ${failureCauses(request)}.</p>`,
    manual
      ? `<p>You can try the sender's own link yourself. It is shown here as text; copy it only if you trust the sender:</p><p><code>${escapeHtml(manual)}</code></p>`
      : '<p>The message offered no other way to unsubscribe.</p>',
    ...refusedLinksNote(request),
  ]);
}

/** Why nothing worked, from what the attempts met, each kind once. */
function failureCauses(request: UnsubscribeRequest): string {
  const failed = request.attempts.filter((a) => a.outcome === 'failed');
  const loop = (a: (typeof failed)[number]) => isRedirectLoopDetail(a.detail);
  const retryable = failed.filter((a) => !isGoneAttempt(a));
  const causes = [
    failed.some((a) => isGoneAttempt(a) && !loop(a)) &&
      "the sender's server said the unsubscribe link no longer exists",
    failed.some(loop) &&
      "the sender's unsubscribe link only sent us from one address to another, without end",
    retryable.some((a) => a.method !== 'MAILTO') && "the sender's unsubscribe service kept failing",
    retryable.some((a) => a.method === 'MAILTO') && 'the unsubscribe mail could not be sent',
  ].filter((cause): cause is string => typeof cause === 'string');
  return causes.length > 0 ? causes.join('; ') : "none of the sender's unsubscribe links could be used";
}

/**
 * The links our checks refused, beside whatever else happened: the message still holds them,
 * and one that leads to an internal address is an attack the reader should not complete by hand.
 */
function refusedLinksNote(request: UnsubscribeRequest): string[] {
  const reasons = [...new Set(request.attempts.filter((a) => a.outcome === 'refused').map((a) => a.detail))];
  if (reasons.length === 0) return [];
  const which =
    reasons.length === 1 ? "one of the sender's unsubscribe links" : "some of the sender's unsubscribe links";
  return [
    `<p>We did not use ${which}, because ${reasons.length === 1 ? 'it' : 'they'} failed our safety checks:</p>`,
    `<ul>${reasons.map((r) => `<li><strong>${escapeHtml(r)}</strong></li>`).join('')}</ul>`,
    '<p>Do not open such a link from the message either.</p>',
  ];
}

export function blockedPage(branding: PageBranding, reason: string): Page {
  return renderPage(branding, 'safe unsubscribe', 200, 'Unsubscribe link blocked', [
    "<p>We did not use the sender's unsubscribe link, because it failed our safety checks:</p>",
    `<p><strong>${escapeHtml(reason)}</strong></p>`,
    '<p>Do not open the link from the message either. If this mail is unwanted, report it or ask your mail administrator to block the sender.</p>',
  ]);
}

/** Graymail that offered no unsubscribe link or address at all: nothing was refused. */
export function noUnsubscribeLinkPage(branding: PageBranding, request: UnsubscribeRequest): Page {
  return renderPage(branding, 'safe unsubscribe', 200, 'No way to unsubscribe', [
    `<p>The message from <strong>${escapeHtml(request.from ?? request.envelopeFrom)}</strong> offers no unsubscribe link or address, so there is nothing we can use on your behalf.</p>`,
    '<p>If this mail is unwanted, report it or ask your mail administrator to block the sender.</p>',
  ]);
}

export function invalidLinkPage(branding: PageBranding, reason: string): Page {
  return renderPage(branding, 'safe unsubscribe', 400, 'This link does not work', [
    `<p>${escapeHtml(reason)}</p>`,
  ]);
}

/** Where the successful unsubscribe mail went: the address of its mailto link. */
function mailtoAddress(request: UnsubscribeRequest): string {
  const uri = request.attempts.find((a) => a.outcome === 'succeeded')?.uri ?? '';
  const check = checkUnsubscribeUri(uri);
  return check.ok && check.target.kind === 'mailto' ? check.target.to : uri.replace(/^mailto:/i, '');
}

/** Characters of the sender's subject shown: enough to recognise the mail, too few to pass for our text. */
const MAX_SUBJECT_CHARS = 80;

/** The subject as a quotation: the sender wrote it, so it is cut short and shown plain. */
function quotedSubject(subject: string | undefined): string {
  if (!subject) return '(no subject)';
  // By code points: a cut through a surrogate pair would show a broken character.
  const flat = [...subject.replace(/\s+/g, ' ').trim()];
  return flat.length > MAX_SUBJECT_CHARS ? `${flat.slice(0, MAX_SUBJECT_CHARS).join('')}…` : flat.join('');
}

function formatTime(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'later today';
}
