import type { GraywallConfig } from '../core/config/schema.ts';
import type { HeaderBlock } from '../core/mime/raw-message.ts';
import { findBodyUnsubscribeLinks } from '../core/unsubscribe/body-links.ts';
import { readListUnsubscribe } from '../core/unsubscribe/list-unsubscribe.ts';
import {
  blockedPage,
  confirmationPage,
  inProgressPage,
  invalidLinkPage,
  noUnsubscribeLinkPage,
  type Page,
  successPage,
  unablePage,
} from '../core/unsubscribe/pages.ts';
import { REFUSAL, type Refusal, refuse } from '../core/unsubscribe/refusal.ts';
import {
  isGoneAttempt,
  keptAttempts,
  mailtoRefusal,
  redirectLoopDetail,
  type UnsubscribeAttempt,
  type UnsubscribeRequest,
  unsubscribeCandidates,
  unsubscribeRequestId,
} from '../core/unsubscribe/request.ts';
import type { UnsubscribeHttp } from '../core/unsubscribe/unsubscribe-http.ts';
import {
  signUnsubscribeToken,
  TOKEN_REJECTION,
  verifyUnsubscribeToken,
} from '../core/unsubscribe/unsubscribe-token.ts';
import { checkUnsubscribeUri, type UriSafetyOptions } from '../core/unsubscribe/uri-safety.ts';
import { recordUnsubscribeAttempt } from './operational-metrics.ts';
import type {
  Clock,
  Logger,
  Metrics,
  SigningKeys,
  TrackingStore,
  UnsubscribeMailer,
  UnsubscribeStore,
} from './ports.ts';
import { trackingEvent } from './tracking-event.ts';

export interface UnsubscribeDeps {
  readonly config: Pick<GraywallConfig, 'unsubscribe' | 'organisation' | 'domains' | 'submissions'>;
  readonly unsubscribes: UnsubscribeStore;
  readonly keys: SigningKeys;
  readonly http: UnsubscribeHttp;
  readonly mailer: UnsubscribeMailer;
  readonly tracking: TrackingStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where the public pages are served, without a trailing slash. */
  readonly publicBaseUrl: string;
  /** Operational metrics; absent where nothing reads them. */
  readonly metrics?: Metrics;
}

/** Attempts kept per request: enough to explain, bounded so the item stays small. */
const MAX_ATTEMPTS_KEPT = 40;

/**
 * How long a confirmation may spend trying links before the page answers "in progress"
 * (API Gateway gives up on an integration after 30 s); the retry job has minutes.
 */
export const PAGE_ATTEMPT_BUDGET_MS = 15_000;
const RETRY_ATTEMPT_BUDGET_MS = 60_000;
/** The budget, one HTTP request over it (unsubscribe.timeoutSeconds is at most 12) and a margin. */
const RETRY_ATTEMPT_WORST_MS = RETRY_ATTEMPT_BUDGET_MS + 12_000 + 10_000;

export const UNSUBSCRIBE_PATH = '/u/';

export interface OfferInput {
  readonly messageId: string;
  readonly recipient: string;
  readonly envelopeFrom: string;
  readonly from?: string;
  readonly subject?: string;
  readonly header: HeaderBlock;
  readonly html: string;
  readonly text: string;
  /** SES (or the gateway) verified a DKIM signature on the message: RFC 8058 one-click needs it. */
  readonly dkimPass: boolean;
  /** The sender address SPF or DMARC vouched for (the scan's allowSender), when any. */
  readonly verifiedSender?: string;
}

/**
 * Stores what we need to unsubscribe this recipient later (the sender's URIs from the
 * headers and the body) and returns our signed link for the banner and List-Unsubscribe.
 * Idempotent: a retried action stage gets the same request back.
 */
export async function offerUnsubscribe(
  deps: UnsubscribeDeps,
  input: OfferInput,
): Promise<{ request: UnsubscribeRequest; url: string }> {
  const now = deps.clock.now();
  const list = readListUnsubscribe(input.header, input.dkimPass);
  const linkExpiresAt = new Date(now.getTime() + deps.config.unsubscribe.linkLifetimeDays * 86_400_000);
  const request = await deps.unsubscribes.offer({
    requestId: unsubscribeRequestId(input.messageId, input.recipient),
    messageId: input.messageId,
    recipient: input.recipient,
    envelopeFrom: input.envelopeFrom,
    ...(input.from ? { from: input.from } : {}),
    ...(input.verifiedSender ? { verifiedSender: input.verifiedSender } : {}),
    ...(input.subject ? { subject: input.subject.slice(0, 300) } : {}),
    listUnsubscribe: list.uris,
    oneClick: list.oneClick,
    ...(list.oneClickUri ? { oneClickUri: list.oneClickUri } : {}),
    bodyLinks: findBodyUnsubscribeLinks({ html: input.html, text: input.text }),
    createdAt: now.toISOString(),
    linkExpiresAt: linkExpiresAt.toISOString(),
    state: 'offered',
    attempts: [],
  });
  const token = signUnsubscribeToken(
    {
      requestId: request.requestId,
      recipient: request.recipient,
      expiresAt: Math.floor(Date.parse(request.linkExpiresAt) / 1000),
    },
    await deps.keys.current(),
  );
  return { request, url: `${deps.publicBaseUrl}${UNSUBSCRIBE_PATH}${token}` };
}

/** GET of the link: the confirmation page, or the outcome if already asked. Changes nothing. */
export async function showUnsubscribe(deps: UnsubscribeDeps, token: string): Promise<Page> {
  const found = await requestFor(deps, token);
  if ('page' in found) return found.page;
  return pageFor(deps, found.request, token);
}

/** GET of the status link: where an in-progress unsubscribe stands. Changes nothing. */
export async function unsubscribeStatus(deps: UnsubscribeDeps, token: string): Promise<Page> {
  const found = await requestFor(deps, token);
  return 'page' in found ? found.page : pageFor(deps, found.request, token);
}

/**
 * POST of the confirmation form: unsubscribe now. The request is claimed (`offered` →
 * `in-progress`) first, so two clicks unsubscribe once; later POSTs show the outcome.
 */
export async function confirmUnsubscribe(deps: UnsubscribeDeps, token: string): Promise<Page> {
  const found = await requestFor(deps, token);
  if ('page' in found) return found.page;
  const { request } = found;
  if (request.state !== 'offered') return pageFor(deps, request, token);
  const now = deps.clock.now();
  const retryUntil = new Date(
    now.getTime() + deps.config.unsubscribe.retryForHours * 3_600_000,
  ).toISOString();
  const claimed = await deps.unsubscribes.update(request.requestId, ['offered'], {
    state: 'in-progress',
    attempts: request.attempts,
    requestedAt: now.toISOString(),
    retryUntil,
    // Should this attempt die half-way, the retry worker takes over after one interval.
    nextAttemptAt: nextAttempt(deps, now),
  });
  if (!claimed) return pageFor(deps, (await deps.unsubscribes.get(request.requestId)) ?? request, token);
  await event(
    deps,
    claimed,
    'unsubscribe-requested',
    `Unsubscribe requested by ${claimed.recipient} through the safe-unsubscribe page`,
  );
  return pageFor(deps, await attempt(deps, claimed, PAGE_ATTEMPT_BUDGET_MS), token);
}

/** The scheduled retry: every in-progress request whose next attempt is due. */
export async function retryDueUnsubscribes(
  deps: UnsubscribeDeps,
  options: {
    readonly limit?: number;
    /** Milliseconds the caller has left (the Lambda context's); no request starts without enough. */
    readonly remainingMs?: () => number;
  } = {},
): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.unsubscribes.due(now.toISOString(), options.limit ?? 50);
  let tried = 0;
  for (const request of due) {
    // One attempt can take its budget plus one last HTTP request. A request not started here
    // stays due and the next run takes it; one cut off by the function's timeout would wait
    // for its claim to lapse.
    if (options.remainingMs && options.remainingMs() < RETRY_ATTEMPT_WORST_MS) {
      deps.log.info('unsubscribe retries left for the next run: not enough time for another', {
        left: due.length - tried,
      });
      break;
    }
    tried++;
    // Claim the slot: push the next attempt out, only if it is still due, so that of two
    // overlapping runs that both listed it (a run can outlast the schedule), one tries it.
    const claimed = await deps.unsubscribes.update(
      request.requestId,
      ['in-progress'],
      { state: 'in-progress', attempts: request.attempts, nextAttemptAt: nextAttempt(deps, now) },
      { dueBy: now.toISOString() },
    );
    if (claimed) await attempt(deps, claimed, RETRY_ATTEMPT_BUDGET_MS);
  }
  return tried;
}

/** The safety checks' settings for links used on `recipient`'s behalf. */
function uriSafetyOptions(deps: Pick<UnsubscribeDeps, 'config'>, recipient: string): UriSafetyOptions {
  const { unsubscribe } = deps.config;
  return {
    allowLoopback: unsubscribe.allowLoopback,
    blockedHosts: unsubscribe.blockedHosts,
    ownDomains: deps.config.domains,
    ownAddresses: [recipient, ...deps.config.submissions.mailboxes.map((m) => m.address)],
  };
}

/**
 * The sender's List-Unsubscribe links that the checks decided by the URI alone refuse when
 * used on behalf of one of `recipients` (see screenLinks), each once.
 */
export function refusedListUnsubscribeLinks(
  deps: Pick<UnsubscribeDeps, 'config'>,
  header: HeaderBlock,
  recipients: readonly string[],
): Array<{ uri: string; refusal: Refusal }> {
  const uris = readListUnsubscribe(header, false).uris;
  const refused = new Map<string, { uri: string; refusal: Refusal }>();
  for (const recipient of recipients) {
    const options = uriSafetyOptions(deps, recipient);
    for (const uri of uris) {
      const check = checkUnsubscribeUri(uri, options);
      if (!check.ok && !refused.has(uri)) refused.set(uri, { uri, refusal: check.refusal });
    }
  }
  return [...refused.values()];
}

/**
 * The request's links sorted by the checks decided by the URI alone (scheme, host, port,
 * userinfo, our blocklist and our own addresses). Where a host resolves and where it
 * redirects are only known when the link is used, so a link worth trying may still be
 * refused then; a refused one here would be refused every time.
 */
export function screenLinks(
  deps: UnsubscribeDeps,
  request: UnsubscribeRequest,
): { worthTrying: string[]; refused: Array<{ uri: string; refusal: Refusal }> } {
  const options = uriSafetyOptions(deps, request.recipient);
  const worthTrying: string[] = [];
  const refused: Array<{ uri: string; refusal: Refusal }> = [];
  for (const candidate of unsubscribeCandidates(request)) {
    const check = checkUnsubscribeUri(candidate.uri, options);
    const refusal = check.ok
      ? check.target.kind === 'mailto'
        ? mailtoRefusal(request, check.target.to)
        : undefined
      : check.refusal;
    if (refusal) refused.push({ uri: candidate.uri, refusal });
    else if (check.ok && (check.target.kind !== 'mailto' || candidate.method === 'MAILTO'))
      worthTrying.push(candidate.uri);
  }
  return { worthTrying, refused };
}

/**
 * Tries every candidate URI in order (one-click POST, https/http GET, body links, mailto),
 * each through the safety checks first, and stops at the first success. All refused:
 * `refused` (final). Every link refused or gone (HTTP 404 or 410, RFC 9110 §15.5.5, §15.5.11,
 * or redirecting without end: no retry brings it back): `failed` at once. Some failed
 * otherwise: `in-progress` until `retryUntil`, then `failed`.
 */
async function attempt(
  deps: UnsubscribeDeps,
  request: UnsubscribeRequest,
  budgetMs: number,
): Promise<UnsubscribeRequest> {
  const deadline = deps.clock.now().getTime() + budgetMs;
  const options = uriSafetyOptions(deps, request.recipient);
  const attempts: UnsubscribeAttempt[] = [];
  const at = () => deps.clock.now().toISOString();
  const key = (c: { method: string; uri: string }) => `${c.method} ${c.uri}`;
  // A refusal (our safety checks, or where a link redirected to) does not change on a retry:
  // a refused candidate is not tried again, so retries move on to the ones never reached.
  const refusedBefore = new Set(request.attempts.filter((a) => a.outcome === 'refused').map(key));
  // Nor is a link the sender's server said is gone.
  const goneBefore = new Set(request.attempts.filter(isGoneAttempt).map(key));
  const candidates = unsubscribeCandidates(request);
  let succeeded = false;
  let outOfTime = false;
  for (const candidate of candidates) {
    if (refusedBefore.has(key(candidate)) || goneBefore.has(key(candidate))) continue;
    // Out of time, whatever the outcomes so far (a slow link that ends refused takes as long
    // as one that fails): the rest waits for the retry job, the request stays in progress.
    if (deps.clock.now().getTime() >= deadline) {
      outOfTime = true;
      break;
    }
    const check = checkUnsubscribeUri(candidate.uri, options);
    if (!check.ok) {
      attempts.push({ at: at(), ...candidate, outcome: 'refused', detail: check.refusal.message });
      continue;
    }
    if (check.target.kind === 'mailto') {
      if (candidate.method !== 'MAILTO') continue;
      const refusal = mailtoRefusal(request, check.target.to);
      if (refusal) {
        attempts.push({ at: at(), ...candidate, outcome: 'refused', detail: refusal.message });
        continue;
      }
      try {
        const id = await deps.mailer.send({
          from: request.recipient,
          to: check.target.to,
          subject: check.target.subject ?? 'unsubscribe',
          body: check.target.body ?? 'unsubscribe',
        });
        attempts.push({
          at: at(),
          ...candidate,
          outcome: 'succeeded',
          detail: `unsubscribe mail sent (${id})`,
        });
        succeeded = true;
      } catch (error) {
        attempts.push({
          at: at(),
          ...candidate,
          outcome: 'failed',
          detail: `sending failed: ${(error as Error).message}`,
        });
      }
    } else {
      const result = await deps.http.request({
        url: check.target.href,
        method: candidate.method === 'ONE_CLICK_POST' ? 'ONE_CLICK_POST' : 'GET',
      });
      if (result.outcome === 'response' && result.status >= 200 && result.status < 300) {
        attempts.push({ at: at(), ...candidate, outcome: 'succeeded', detail: `HTTP ${result.status}` });
        succeeded = true;
      } else if (result.outcome === 'refused' && result.refusal.code === REFUSAL.TOO_MANY_REDIRECTS) {
        // The redirect cap is no safety verdict on the link: it is a link that never arrives
        // anywhere (a loop, or an endless chain), and asking again loops again. Dead like a 404.
        attempts.push({
          at: at(),
          ...candidate,
          outcome: 'failed',
          detail: redirectLoopDetail(result.redirects.length, result.refusal.detail ?? result.finalUrl),
        });
      } else if (result.outcome === 'refused') {
        attempts.push({
          at: at(),
          ...candidate,
          outcome: 'refused',
          detail: `${result.refusal.message} (at ${result.finalUrl})`,
        });
      } else {
        const detail =
          result.outcome === 'response'
            ? `HTTP ${result.status}`
            : result.outcome === 'timeout'
              ? 'timed out'
              : `${result.code}: ${result.message}`;
        attempts.push({ at: at(), ...candidate, outcome: 'failed', detail });
      }
    }
    if (succeeded) break;
  }
  const now = deps.clock.now();
  const refusedNow = new Set(attempts.filter((a) => a.outcome === 'refused').map(key));
  const goneNow = new Set(attempts.filter(isGoneAttempt).map(key));
  const refusedAny = (c: { method: string; uri: string }) =>
    refusedBefore.has(key(c)) || refusedNow.has(key(c));
  const goneAny = (c: { method: string; uri: string }) => goneBefore.has(key(c)) || goneNow.has(key(c));
  const allRefused = !outOfTime && candidates.every(refusedAny);
  const nothingLeft = !outOfTime && candidates.every((c) => refusedAny(c) || goneAny(c));
  // No candidate at all is "refused" too (nothing we may use); its page says so (pageFor).
  const state = succeeded
    ? 'succeeded'
    : allRefused
      ? 'refused'
      : nothingLeft || now.toISOString() >= (request.retryUntil ?? '')
        ? 'failed'
        : 'in-progress';
  recordUnsubscribeAttempt(deps.metrics, state);
  const kept = keptAttempts([...request.attempts, ...attempts], MAX_ATTEMPTS_KEPT);
  const updated = (await deps.unsubscribes.update(request.requestId, ['in-progress'], {
    state,
    attempts: kept,
    ...(state === 'in-progress' ? { nextAttemptAt: nextAttempt(deps, now) } : {}),
  })) ?? { ...request, state, attempts: kept };
  const summary =
    attempts.map((a) => `${a.method} ${a.uri}: ${a.outcome} (${a.detail})`).join('; ') ||
    'the message offers no unsubscribe link';
  await event(
    deps,
    updated,
    `unsubscribe-${state}`,
    `Unsubscribe ${state === 'in-progress' ? 'not done yet, will retry' : state}: ${summary}`,
  );
  deps.log.info('unsubscribe attempt', {
    requestId: request.requestId,
    messageId: request.messageId,
    state,
    attempts: attempts.length,
  });
  return updated;
}

async function requestFor(
  deps: UnsubscribeDeps,
  token: string,
): Promise<{ request: UnsubscribeRequest } | { page: Page }> {
  const branding = { organisation: deps.config.organisation.name };
  const verified = verifyUnsubscribeToken(
    token,
    await deps.keys.all(),
    Math.floor(deps.clock.now().getTime() / 1000),
  );
  if (!verified.ok) {
    deps.log.warn('unsubscribe link refused', { reason: verified.reason });
    return {
      page: invalidLinkPage(
        branding,
        verified.reason === TOKEN_REJECTION.EXPIRED
          ? 'This unsubscribe link has expired. Use the link in a newer message from the same sender.'
          : 'This unsubscribe link is not valid: it may have been changed or cut off by your mail program. Open it again from the message.',
      ),
    };
  }
  const request = await deps.unsubscribes.get(verified.claims.requestId);
  if (!request || request.recipient !== verified.claims.recipient) {
    return { page: invalidLinkPage(branding, 'This unsubscribe link is no longer valid.') };
  }
  return { request };
}

function pageFor(deps: UnsubscribeDeps, request: UnsubscribeRequest, token: string): Page {
  const branding = { organisation: deps.config.organisation.name };
  switch (request.state) {
    case 'offered':
      return confirmationPage(branding, request, `${UNSUBSCRIBE_PATH}${token}`);
    case 'in-progress':
      return inProgressPage(branding, request, `${UNSUBSCRIBE_PATH}${token}/status`);
    case 'succeeded':
      return successPage(branding, request);
    case 'failed':
      return unablePage(branding, request);
    case 'refused': {
      const refused = request.attempts.find((a) => a.outcome === 'refused');
      if (refused) return blockedPage(branding, refused.detail);
      // Nothing tried: the message's links are of schemes we never use (ftp:...), or there are none.
      return request.listUnsubscribe.length + request.bodyLinks.length > 0
        ? blockedPage(branding, refuse(REFUSAL.SCHEME_NOT_ALLOWED).message)
        : noUnsubscribeLinkPage(branding, request);
    }
  }
}

function nextAttempt(deps: UnsubscribeDeps, now: Date): string {
  return new Date(now.getTime() + deps.config.unsubscribe.retryIntervalMinutes * 60_000).toISOString();
}

async function event(
  deps: UnsubscribeDeps,
  request: UnsubscribeRequest,
  type: string,
  detail: string,
): Promise<void> {
  try {
    await deps.tracking.appendEvents(request.messageId, [
      trackingEvent(deps.clock, 'unsubscribe', type, detail.slice(0, 2000), [request.recipient]),
    ]);
  } catch (error) {
    // The tracking record may have expired before the user clicked: the request still counts.
    deps.log.warn('could not add the unsubscribe event to tracking', { error, messageId: request.messageId });
  }
}
