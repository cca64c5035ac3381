import { randomUUID } from 'node:crypto';
import { digestSenderOf } from '../core/config/schema.ts';
import { composeDigest, type DigestEntry } from '../core/digest/compose-digest.ts';
import {
  actionDonePage,
  adminOnlyPage,
  allowUnavailablePage,
  confirmActionPage,
  invalidDigestLinkPage,
  notFoundPage,
  quarantineListPage,
} from '../core/digest/pages.ts';
import { isPlainAddress } from '../core/mime/plain-address.ts';
import { topReasons } from '../core/scan/result-header.ts';
import type { Reason } from '../core/scan/types.ts';
import {
  signUnsubscribeToken,
  TOKEN_PURPOSE,
  TOKEN_REJECTION,
  verifyUnsubscribeToken,
} from '../core/unsubscribe/unsubscribe-token.ts';
import type { Page } from '../core/web/page-layout.ts';
import { addToList } from './lists-admin.ts';
import { emitMetric } from './operational-metrics.ts';
import { releaseQuarantined } from './quarantine-admin.ts';
import { isAdminOnly, isExpired, isSenderAuthenticated, type QuarantineItem } from './quarantine-item.ts';
import type { PipelineDeps } from './stage-deps.ts';

/** Quarantine items older than this are not put into a first digest any more. */
const LOOKBACK_DAYS = 7;
/**
 * A claim not followed by a sent digest within this time was abandoned (the run timed out or
 * crashed between claiming and sending): the next run may take the item.
 */
const DIGEST_CLAIM_LEASE_MS = 15 * 60_000;
const PAGE_SIZE = 200;

export const DIGEST_PATH = '/q/';

export interface DigestRun {
  readonly recipients: number;
  readonly messages: number;
  readonly failed: readonly string[];
}

/**
 * Sends each recipient a summary of the messages newly quarantined for them. Every item is
 * claimed for one digest before the mail goes out (and given back if sending fails), so a
 * repeated or overlapping run never lists a message twice. Digests go straight to the
 * delivery target: mail we write ourselves is never scanned as spam.
 */
export async function sendDigests(deps: PipelineDeps): Promise<DigestRun> {
  const { config, clock, log } = deps;
  if (!config.digest.enabled) return { recipients: 0, messages: 0, failed: [] };
  if (!deps.publicBaseUrl)
    throw new Error('digests need the public base URL of the quarantine pages (PUBLIC_BASE_URL)');
  const now = clock.now();
  const since = new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000).toISOString();
  const byRecipient = new Map<string, QuarantineItem[]>();
  let cursor: string | undefined;
  do {
    const page = await deps.quarantine.list({
      since,
      until: now.toISOString(),
      state: 'quarantined',
      activeAt: now.toISOString(),
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    for (const item of page.items) {
      if (item.digestSentAt || isAdminOnly(item)) continue;
      byRecipient.set(item.recipient, [...(byRecipient.get(item.recipient) ?? []), item]);
    }
    cursor = page.cursor;
  } while (cursor);

  let messages = 0;
  const failed: string[] = [];
  const key = await deps.keys.current();
  const linkExpiry = Math.floor(now.getTime() / 1000) + config.digest.linkLifetimeDays * 86_400;
  for (const [recipient, items] of byRecipient) {
    if (!isPlainAddress(recipient)) {
      // Still listed on the admin's quarantine, releasable there; never a header we cannot write.
      log.warn('no digest for an address outside printable ASCII', { recipient });
      continue;
    }
    const claimed: QuarantineItem[] = [];
    const staleBefore = new Date(now.getTime() - DIGEST_CLAIM_LEASE_MS).toISOString();
    for (const item of items) {
      if (await deps.quarantine.claimForDigest(item.messageId, recipient, now.toISOString(), staleBefore)) {
        claimed.push(item);
      }
    }
    if (claimed.length === 0) continue;
    const digestId = `d${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
    const token = signUnsubscribeToken(
      { requestId: digestId, recipient, expiresAt: linkExpiry },
      key,
      TOKEN_PURPOSE.digest,
    );
    const base = `${deps.publicBaseUrl}${DIGEST_PATH}${token}`;
    const raw = composeDigest({
      from: digestSenderOf(config),
      to: recipient,
      organisation: config.organisation.name,
      entries: claimed.map(entryOf),
      viewUrl: base,
      actionUrl: (messageId, action) => `${base}/${action}/${messageId}`,
      date: now,
      uniqueId: randomUUID(),
      retentionDays: config.quarantine.retentionDays,
      linkLifetimeDays: config.digest.linkLifetimeDays,
      timeZone: config.digest.timeZone,
    });
    emitMetric(deps.metrics, 'Attempts', 1, { Job: 'digest' });
    try {
      await deps.transport.deliver({ envelopeFrom: digestSenderOf(config), recipients: [recipient], raw });
      for (const item of claimed)
        await deps.quarantine.markDigestSent(item.messageId, recipient, now.toISOString());
      messages += claimed.length;
      emitMetric(deps.metrics, 'DigestsSent', 1, { Job: 'digest' });
      log.info('digest sent', { recipient, messages: claimed.length });
    } catch (error) {
      for (const item of claimed) await deps.quarantine.releaseDigestClaim(item.messageId, recipient);
      failed.push(recipient);
      emitMetric(deps.metrics, 'Failed', 1, { Job: 'digest' });
      log.error('digest could not be sent; its messages go into the next run', { recipient, error });
    }
  }
  return { recipients: byRecipient.size - failed.length, messages, failed };
}

export type DigestAction = 'view' | 'confirm-release' | 'confirm-allow' | 'release' | 'allow';

/**
 * The pages behind digest links. The token names the recipient: every lookup is by message
 * and that recipient, so a link can only ever show or release its own recipient's mail.
 */
export async function digestPage(
  deps: PipelineDeps,
  token: string,
  action: DigestAction,
  messageId?: string,
): Promise<Page> {
  const branding = { organisation: deps.config.organisation.name };
  const now = deps.clock.now();
  const verified = verifyUnsubscribeToken(
    token,
    await deps.keys.all(),
    Math.floor(now.getTime() / 1000),
    TOKEN_PURPOSE.digest,
  );
  if (!verified.ok) return invalidDigestLinkPage(branding, verified.reason === TOKEN_REJECTION.EXPIRED);
  const recipient = verified.claims.recipient;
  const base = `${DIGEST_PATH}${token}`;
  if (action === 'view') {
    const since = new Date(now.getTime() - deps.config.quarantine.retentionDays * 86_400_000).toISOString();
    const page = await deps.quarantine.list({
      recipient,
      since,
      until: now.toISOString(),
      state: 'quarantined',
      activeAt: now.toISOString(),
      limit: PAGE_SIZE,
    });
    return quarantineListPage(
      branding,
      recipient,
      page.items.filter((item) => !isAdminOnly(item)).map(entryOf),
      base,
      deps.config.digest.timeZone,
    );
  }
  const item = messageId ? await deps.quarantine.get(messageId, recipient) : undefined;
  if (!item || !messageId) return notFoundPage(branding);
  if (isAdminOnly(item)) return adminOnlyPage(branding);
  const kind = action === 'confirm-allow' || action === 'allow' ? 'allow' : 'release';
  // Past its retention the message is as good as deleted (see isExpired).
  if (isExpired(item, now)) return notFoundPage(branding);
  if (kind === 'allow' && !item.allowSender && item.state === 'quarantined') {
    return allowUnavailablePage(branding, entryOf(item), `${base}/release/${messageId}`);
  }
  if (action === 'confirm-release' || action === 'confirm-allow') {
    if (item.state !== 'quarantined') return actionDonePage(branding, entryOf(item), kind, item.state);
    return confirmActionPage(branding, entryOf(item), kind, `${base}/${kind}/${messageId}`);
  }
  const principal = `end user ${recipient} (quarantine digest link)`;
  // Only while the message is held: an old link must not undo an admin's delete or release.
  if (item.state !== 'quarantined') return actionDonePage(branding, entryOf(item), kind, item.state);
  if (kind === 'allow' && item.allowSender) {
    await addToList(deps, { type: 'user', address: recipient }, 'safe', [item.allowSender], principal);
  }
  const outcome = await releaseQuarantined(deps, messageId, [recipient], principal);
  const [unchanged] = outcome.unchanged;
  return actionDonePage(
    branding,
    entryOf(item),
    kind,
    outcome.done.length > 0 ? undefined : (unchanged?.state ?? 'released'),
  );
}

function entryOf(item: QuarantineItem): DigestEntry {
  return {
    messageId: item.messageId,
    sender: item.from ?? item.envelopeFrom ?? '(unknown sender)',
    subject: item.subject ?? '(no subject)',
    quarantinedAt: item.quarantinedAt,
    why: heldBecause(topReasons(item.reasons, 1)[0]) ?? `scored ${item.score}/100`,
    ...(item.allowSender ? { allowSender: item.allowSender } : {}),
    ...(isSenderAuthenticated(item) ? {} : { unverified: true }),
  };
}

/**
 * Why a message was held, in an end user's words: the classifiers' reasons name a model
 * version and a probability, which say nothing to the person deciding whether to release.
 */
export function heldBecause(reason: Reason | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const words: Record<string, string> = {
    STATISTICAL_SPAM: 'Its wording reads like spam',
    STATISTICAL_HEADERS_SPAM: 'The way it was sent looks like spam',
    GTUBE: 'A test message for the spam filter',
    X_ADVERTISEMENT_SPAM: 'A test message for the spam filter',
  };
  return words[reason.id] ?? reason.description;
}
