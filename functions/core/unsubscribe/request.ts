import { createHash } from 'node:crypto';
import { domainOfAddress, domainsAligned } from '../auth/domain-alignment.ts';
import { FREEMAIL_DOMAINS, orgDomain } from '../scan/rules/support/urls.ts';
import type { OneClickStatus } from './list-unsubscribe.ts';
import { ONE_CLICK } from './list-unsubscribe.ts';
import { REFUSAL, type Refusal, refuse } from './refusal.ts';

/**
 * One recipient's way out of one sender's graymail: the unsubscribe URIs we took from the
 * message (never shown to the user as links to click), and what came of our attempts.
 *
 * States: `offered` (banner delivered, nothing asked yet) → `in-progress` (an attempt failed
 * and will be retried) → `succeeded`, `failed` (retries ran out) or `refused` (no URI passed
 * the safety checks).
 */
export type UnsubscribeState = 'offered' | 'in-progress' | 'succeeded' | 'failed' | 'refused';

export type UnsubscribeMethod = 'ONE_CLICK_POST' | 'GET' | 'MAILTO';

export interface UnsubscribeAttempt {
  readonly at: string;
  readonly method: UnsubscribeMethod;
  readonly uri: string;
  /** `succeeded`, `refused` (safety check), or `failed` (worth retrying). */
  readonly outcome: 'succeeded' | 'refused' | 'failed';
  /** Status code, network error or refusal reason; shown to admins, never to end users as HTML. */
  readonly detail: string;
}

/**
 * An attempt whose link is dead for good: the sender's server said it is gone (404 Not Found,
 * 410 Gone; RFC 9110 §15.5.5, §15.5.11), or it redirects without end (a loop, or more hops
 * than we follow), which the same request answers the same way next time. Not retried, and
 * not offered for manual use: a browser would loop too.
 */
export function isGoneAttempt(attempt: Pick<UnsubscribeAttempt, 'outcome' | 'detail'>): boolean {
  return (
    attempt.outcome === 'failed' && (isNotFoundDetail(attempt.detail) || isRedirectLoopDetail(attempt.detail))
  );
}

function isNotFoundDetail(detail: string): boolean {
  return /^HTTP (404|410)$/.test(detail);
}

/** The detail of a failed attempt whose link redirected more often than we follow. */
export function redirectLoopDetail(followed: number, nextUrl: string): string {
  return `too many redirects (${followed} followed; the next was ${nextUrl})`;
}

export function isRedirectLoopDetail(detail: string): boolean {
  return /^too many redirects \(/.test(detail);
}

/**
 * The attempts a request keeps, at most `max`: the first refusal or dead link of each
 * candidate whatever its age, since they are what keeps that candidate from being tried again
 * and what the result pages name, then the latest of the rest (retries of links that may
 * still answer), in the order they happened. Several links failing over hours of retries
 * would otherwise push a refusal out, and the link would be tried again.
 */
export function keptAttempts(attempts: readonly UnsubscribeAttempt[], max: number): UnsubscribeAttempt[] {
  const finalKeys = new Set<string>();
  const final = new Set<UnsubscribeAttempt>();
  for (const a of attempts) {
    const key = `${a.method} ${a.uri}`;
    if ((a.outcome === 'refused' || isGoneAttempt(a)) && !finalKeys.has(key)) {
      finalKeys.add(key);
      final.add(a);
    }
  }
  const room = Math.max(0, max - final.size);
  const rest = attempts.filter((a) => !final.has(a));
  const latest = new Set(room === 0 ? [] : rest.slice(-room));
  return attempts.filter((a) => final.has(a) || latest.has(a));
}

export interface UnsubscribeRequest {
  readonly requestId: string;
  readonly messageId: string;
  readonly recipient: string;
  readonly envelopeFrom: string;
  readonly from?: string;
  /**
   * The sender address SPF or DMARC vouched for (safelistableAddress), when any. A mailto
   * link is used only to an address in its domain: the mail goes out in the recipient's name
   * (see mailtoRefusal in functions/app/safe-unsubscribe.ts). Absent on requests stored
   * before it was recorded, whose mailto links are then not used.
   */
  readonly verifiedSender?: string;
  readonly subject?: string;
  readonly listUnsubscribe: readonly string[];
  readonly oneClick: OneClickStatus;
  readonly oneClickUri?: string;
  readonly bodyLinks: readonly string[];
  readonly createdAt: string;
  /** Until when the link in the delivered message works (ISO). */
  readonly linkExpiresAt: string;
  readonly state: UnsubscribeState;
  readonly attempts: readonly UnsubscribeAttempt[];
  /** Set once the user confirmed: retries run until `retryUntil`. */
  readonly requestedAt?: string;
  readonly retryUntil?: string;
  readonly nextAttemptAt?: string;
}

/**
 * The request id for a message and recipient: deterministic, so a retried action stage
 * offers the same request (and the same link) instead of a second one.
 */
export function unsubscribeRequestId(messageId: string, recipient: string): string {
  return createHash('sha256')
    .update(`${messageId}\n${recipient.toLowerCase()}`)
    .digest('base64url')
    .slice(0, 27);
}

/**
 * What to try, in order (RFC 8058 §3.2, RFC 2369 §3.2): the one-click POST when the message
 * offers it properly; otherwise each https, then http, URI from List-Unsubscribe with a GET;
 * then the unsubscribe links found in the body (GET); mailto last (a mail we send for the
 * user). Each URI at most once.
 */
export function unsubscribeCandidates(
  request: UnsubscribeRequest,
): Array<{ method: UnsubscribeMethod; uri: string }> {
  const out: Array<{ method: UnsubscribeMethod; uri: string }> = [];
  const seen = new Set<string>();
  const add = (method: UnsubscribeMethod, uri: string): void => {
    const key = `${method} ${uri}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ method, uri });
    }
  };
  if (request.oneClick === ONE_CLICK.AVAILABLE && request.oneClickUri)
    add('ONE_CLICK_POST', request.oneClickUri);
  const scheme = (uri: string) => uri.slice(0, uri.indexOf(':')).toLowerCase();
  for (const wanted of ['https', 'http']) {
    for (const uri of request.listUnsubscribe) if (scheme(uri) === wanted) add('GET', uri);
  }
  for (const uri of request.bodyLinks) if (['https', 'http'].includes(scheme(uri))) add('GET', uri);
  for (const uri of [...request.listUnsubscribe, ...request.bodyLinks])
    if (scheme(uri) === 'mailto') add('MAILTO', uri);
  return out;
}

/**
 * Why we will not send the unsubscribe mail a mailto link asks for, if we will not. The mail
 * goes out in the recipient's name (From their address, signed for our domain), with the
 * subject and body the link gives: sent anywhere a message names, it would be a fraud tool
 * ("new bank details" to a partner, from the CFO). So only to the domain of a sender address
 * SPF or DMARC vouched for (RFC 2369 leaves the address to the list; lists answer at their
 * own domain or a subdomain of it).
 */
export function mailtoRefusal(
  request: Pick<UnsubscribeRequest, 'verifiedSender'>,
  to: string,
): Refusal | undefined {
  const sender = request.verifiedSender;
  if (sender === undefined) return refuse(REFUSAL.MAILTO_SENDER_NOT_VERIFIED, to);
  // At a shared mail service the domain is everyone's: only the sender's own address will do.
  if (FREEMAIL_DOMAINS.has(orgDomain(domainOfAddress(sender)))) {
    return to.toLowerCase() === sender.toLowerCase() ? undefined : refuse(REFUSAL.MAILTO_OTHER_DOMAIN, to);
  }
  return domainsAligned(domainOfAddress(to), domainOfAddress(sender))
    ? undefined
    : refuse(REFUSAL.MAILTO_OTHER_DOMAIN, to);
}
