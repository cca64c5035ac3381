import { randomBytes } from 'node:crypto';
import type { AdminSession } from '../core/admin-ui/layout.ts';
import {
  invalidSessionPage,
  messageNotFoundPage,
  overviewPage,
  type QuarantineRow,
  type QuarantineSearch,
  quarantinePage,
  releasedPage,
  releaseFailedPage,
} from '../core/admin-ui/pages.ts';
import { BadRequestError, ConflictError, DeliveryError, NotFoundError } from '../core/errors.ts';
import { topReasons } from '../core/scan/result-header.ts';
import { describeCategory } from '../core/submissions/submission.ts';
import { timeWindow } from '../core/time/time-window.ts';
import {
  signUnsubscribeToken,
  TOKEN_PURPOSE,
  TOKEN_REJECTION,
  verifyUnsubscribeToken,
} from '../core/unsubscribe/unsubscribe-token.ts';
import type { Page } from '../core/web/page-layout.ts';
import { type QuarantineOutcome, releaseQuarantined } from './quarantine-admin.ts';
import type { QuarantineItem } from './quarantine-item.ts';
import { buildReport } from './reporting.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { releaseAndReport } from './submissions.ts';

/**
 * The admin web page. Browsers cannot sign requests with SigV4, so an admin asks the
 * IAM-authorised admin API for a session link (`graywall ui`): a signed, short-lived token
 * in the path that names the IAM principal who asked. Every page verifies it first; a
 * release is recorded as done by that principal through the web page.
 */

export const ADMIN_UI_PATH = '/ui/';
/** How long a session link works unless the admin asks for another lifetime. */
export const ADMIN_UI_SESSION_MINUTES = { default: 60, min: 5, max: 12 * 60 } as const;
const OVERVIEW_DAYS = 7;
const SEARCH_DEFAULT_DAYS = 30;
const PAGE_SIZE = 50;
const MAX_FIELD = 320;
const MAX_PRINCIPAL_BYTES = 254;

export interface AdminUiSessionLink {
  readonly url: string;
  readonly principal: string;
  /** ISO time the link stops working. */
  readonly expiresAt: string;
}

/** Issues a session link for `principal` (the verified IAM caller of the admin API). */
export async function createAdminUiSession(
  deps: PipelineDeps,
  principal: string,
  minutes: number = ADMIN_UI_SESSION_MINUTES.default,
): Promise<AdminUiSessionLink> {
  if (!deps.publicBaseUrl)
    throw new Error('admin web page links need the public base URL of the API (PUBLIC_BASE_URL)');
  const { min, max } = ADMIN_UI_SESSION_MINUTES;
  if (!Number.isInteger(minutes) || minutes < min || minutes > max)
    throw new BadRequestError(`minutes must be a whole number from ${min} to ${max}`);
  if (
    principal.length === 0 ||
    Buffer.byteLength(principal, 'utf8') > MAX_PRINCIPAL_BYTES ||
    /\p{Cc}/u.test(principal)
  )
    throw new BadRequestError(
      `an admin web page session names its IAM principal, which must be 1-${MAX_PRINCIPAL_BYTES} bytes`,
    );
  const now = deps.clock.now();
  const expiresAt = Math.floor(now.getTime() / 1000) + minutes * 60;
  const sessionId = `s${randomBytes(12).toString('base64url')}`;
  const token = signUnsubscribeToken(
    { requestId: sessionId, recipient: principal, expiresAt },
    await deps.keys.current(),
    TOKEN_PURPOSE.adminUi,
  );
  const link = {
    url: `${deps.publicBaseUrl}${ADMIN_UI_PATH}${token}`,
    principal,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  };
  // The session id, never the token: the link is a capability until it expires.
  deps.log.info('admin web page session issued', {
    session: sessionId,
    principal,
    expiresAt: link.expiresAt,
  });
  return link;
}

export type AdminUiRequest =
  | { readonly kind: 'overview' }
  | { readonly kind: 'quarantine'; readonly query: Readonly<Record<string, string | undefined>> }
  | {
      readonly kind: 'release';
      readonly messageId: string;
      readonly recipient: string | undefined;
      /** "Release, not spam": also file the message as a false positive. */
      readonly reportNotSpam?: boolean;
    };

/** Answers one request of a session: verifies its token, then shows or acts. */
export async function adminUiPage(deps: PipelineDeps, token: string, request: AdminUiRequest): Promise<Page> {
  const branding = { organisation: deps.config.organisation.name };
  const now = deps.clock.now();
  const verified = verifyUnsubscribeToken(
    token,
    await deps.keys.all(),
    Math.floor(now.getTime() / 1000),
    TOKEN_PURPOSE.adminUi,
  );
  if (!verified.ok) {
    deps.log.info('admin web page link refused', { reason: verified.reason });
    return invalidSessionPage(branding, verified.reason === TOKEN_REJECTION.EXPIRED);
  }
  const session: AdminSession = {
    basePath: `${ADMIN_UI_PATH}${token}`,
    principal: verified.claims.recipient,
    expiresAt: new Date(verified.claims.expiresAt * 1000).toISOString(),
  };
  const log = deps.log.child({ session: verified.claims.requestId, principal: session.principal });
  const scoped = { ...deps, log };

  switch (request.kind) {
    case 'overview': {
      const today = Date.parse(now.toISOString().slice(0, 10));
      const since = new Date(today - (OVERVIEW_DAYS - 1) * 86_400_000).toISOString();
      const report = await buildReport(deps.reports, since, now.toISOString(), 10);
      log.info('admin web page: overview');
      return overviewPage(branding, session, {
        since: report.since,
        until: report.until,
        days: report.days,
        totals: report.totals,
        topSpamSenders: report.top.spamSenders,
      });
    }
    case 'quarantine':
      return searchPage(scoped, session, request.query);
    case 'release':
      return release(scoped, session, request.messageId, request.recipient, request.reportNotSpam === true);
  }
}

async function searchPage(
  deps: PipelineDeps,
  session: AdminSession,
  query: Readonly<Record<string, string | undefined>>,
): Promise<Page> {
  const branding = { organisation: deps.config.organisation.name };
  const field = (name: keyof QuarantineSearch): string | undefined => {
    const value = query[name]?.trim();
    return value ? value : undefined;
  };
  const search: QuarantineSearch = {
    ...(field('recipient') ? { recipient: field('recipient') } : {}),
    ...(field('sender') ? { sender: field('sender') } : {}),
    ...(field('subject') ? { subject: field('subject') } : {}),
    ...(field('since') ? { since: field('since') } : {}),
  };
  try {
    for (const [name, value] of Object.entries(search))
      if (value.length > MAX_FIELD) throw new BadRequestError(`${name} is too long`);
    const window = timeWindow(search.since, undefined, deps.clock.now(), SEARCH_DEFAULT_DAYS);
    const page = await deps.quarantine.list({
      ...window,
      ...(search.recipient ? { recipient: search.recipient } : {}),
      ...(search.sender ? { sender: search.sender } : {}),
      ...(search.subject ? { subject: search.subject } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      state: 'quarantined',
      limit: PAGE_SIZE,
    });
    deps.log.info('admin web page: quarantine search', { found: page.items.length });
    const nextPage = page.cursor
      ? new URLSearchParams({ ...search, cursor: page.cursor }).toString()
      : undefined;
    return quarantinePage(branding, session, search, {
      rows: page.items.map(rowOf),
      ...(nextPage ? { nextPage } : {}),
    });
  } catch (error) {
    if (error instanceof BadRequestError)
      return quarantinePage(branding, session, search, { error: error.message });
    throw error;
  }
}

async function release(
  deps: PipelineDeps,
  session: AdminSession,
  messageId: string,
  recipient: string | undefined,
  reportNotSpam: boolean,
): Promise<Page> {
  const branding = { organisation: deps.config.organisation.name };
  const wanted = recipient?.trim().toLowerCase();
  if (!wanted || wanted.length > MAX_FIELD)
    return quarantinePage(branding, session, {}, { error: 'The release form did not name a recipient.' });
  const item = await deps.quarantine.get(messageId, wanted);
  if (!item) return messageNotFoundPage(branding, session);
  const row = rowOf(item);
  if (item.state !== 'quarantined') return releasedPage(branding, session, row, 'unchanged', item.state);
  const principal = `${session.principal} (admin web page)`;
  try {
    let submissionId: string | undefined;
    let report: Parameters<typeof releasedPage>[5];
    let outcome: QuarantineOutcome;
    if (reportNotSpam) {
      const reported = await releaseAndReport(deps, messageId, [wanted], principal);
      submissionId = reported.submission?.id;
      if (reported.submission)
        report = {
          submissionId: reported.submission.id,
          what: describeCategory(reported.submission.category),
        };
      else if (reported.notReported) report = { notReported: reported.notReported };
      outcome = reported;
    } else {
      outcome = await releaseQuarantined(deps, messageId, [wanted], principal);
    }
    deps.log.info('admin web page: release', {
      messageId,
      recipient: wanted,
      released: outcome.done.length > 0,
      ...(submissionId ? { submissionId } : {}),
    });
    if (outcome.done.length > 0) return releasedPage(branding, session, row, 'released', undefined, report);
    return releasedPage(branding, session, row, 'unchanged', outcome.unchanged[0]?.state);
  } catch (error) {
    // ConflictError: the item expired between the search and the click.
    if (error instanceof NotFoundError || error instanceof BadRequestError || error instanceof ConflictError)
      return messageNotFoundPage(branding, session);
    if (error instanceof DeliveryError) {
      deps.log.warn('admin web page: release not accepted downstream', { messageId, error });
      return releaseFailedPage(branding, session);
    }
    throw error;
  }
}

function rowOf(item: QuarantineItem): QuarantineRow {
  return {
    messageId: item.messageId,
    recipient: item.recipient,
    sender: item.from ?? (item.envelopeFrom || '(unknown sender)'),
    subject: item.subject ?? '(no subject)',
    quarantinedAt: item.quarantinedAt,
    score: item.score,
    why: topReasons(item.reasons, 1)[0]?.description ?? `scored ${item.score}/100`,
    ...(item.verdict !== 'clean'
      ? { report: 'not spam' as const }
      : item.reasons.some((r) => r.id === 'GRAYMAIL_MARKETING')
        ? { report: 'not marketing' as const }
        : {}),
  };
}
