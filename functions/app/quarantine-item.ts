import { domainOfAddress, domainsAligned } from '../core/auth/domain-alignment.ts';
import type { ListVerdict } from '../core/policy/plan-actions.ts';
import type { Modifiers } from '../core/policy/render-delivery.ts';
import type { Reason, SpamVerdict } from '../core/scan/types.ts';

/**
 * `releasing` and `deleting` are in-flight claims: they make release idempotent (only one
 * caller can move an item out of `quarantined`) and recoverable (a stale claim can be retried).
 */
export type QuarantineState = 'quarantined' | 'releasing' | 'released' | 'deleted';

/** One recipient's copy of a quarantined message. */
export interface QuarantineItem {
  readonly messageId: string;
  readonly recipient: string;
  readonly envelopeFrom: string;
  readonly from?: string;
  readonly subject?: string;
  readonly size: number;
  readonly score: number;
  readonly verdict: SpamVerdict;
  readonly reasons: readonly Reason[];
  readonly policy: string;
  /** Object key of the quarantined copy in the mail bucket. */
  readonly key: string;
  readonly quarantinedAt: string;
  /** ISO time after which the item is removed (TTL and S3 lifecycle). */
  readonly expiresAt: string;
  readonly state: QuarantineState;
  readonly claimedAt?: string;
  readonly releasedBy?: string;
  readonly releasedAt?: string;
  readonly deletedBy?: string;
  readonly deletedAt?: string;
  /**
   * Graymail held with safe unsubscribe on: a release delivers each recipient's copy with
   * the banner and that recipient's own link.
   */
  readonly safeUnsubscribe?: boolean;
  /**
   * The authenticated sender address a safelist entry for the recipient would apply to next
   * time (see safelistableAddress). Absent when the sender is not authenticated or a
   * blocklist held the message: the digest then offers release only.
   */
  readonly allowSender?: string;
  /**
   * The From address shown to the recipient was vouched for (see fromIsVouchedFor). Kept apart
   * from allowSender, which a blocklist or malware withholds, so the digest can still say
   * whether the sender is who it claims to be. Absent on items written before it existed:
   * see isSenderAuthenticated.
   */
  readonly senderAuthenticated?: boolean;
  /**
   * The subject tags and header the quarantine action asked for (`prependSubject`,
   * `appendSubject`, `addHeader`), put on the copy when it is released: held "tagged" means
   * tagged when the user gets it. Kept with the item, so a later config change does not
   * change what a release delivers.
   */
  readonly modifiers?: Modifiers;
  /** When a digest run claimed the item (a claim older than DIGEST_CLAIM_LEASE without digestSentAt was abandoned). */
  readonly digestedAt?: string;
  /** When the digest listing the item went out (each item is listed in one digest). */
  readonly digestSentAt?: string;
}

/** The reason a list entry's decision is held with: first in a quarantine item's reasons. */
export const LIST_REASON_IDS = {
  blocklisted: 'SENDER_BLOCKLISTED',
  safelisted: 'SENDER_SAFELISTED',
} as const;

/** The list entry that decided for this recipient, read back from the reason it was held with. */
export function listVerdictOf(item: Pick<QuarantineItem, 'reasons'>): ListVerdict | undefined {
  const id = item.reasons[0]?.id;
  if (id === LIST_REASON_IDS.blocklisted) return 'blocklisted';
  if (id === LIST_REASON_IDS.safelisted) return 'safelisted';
  return undefined;
}

/**
 * Whether the From address a reader sees is vouched for by `authenticated`, the address the
 * scan found authenticated (safelistableAddress: the From itself when DMARC passed, else the
 * envelope sender when SPF passed). An SPF pass alone vouches for the envelope's domain only:
 * a forger's own domain with a good SPF record may carry any From. So the envelope's domain
 * must be the From's, or one of them a subdomain of the other (a bounce domain of the same
 * organisation, as DMARC's relaxed alignment allows: domainsAligned).
 */
export function fromIsVouchedFor(authenticated: string | undefined, from: string | undefined): boolean {
  if (authenticated === undefined) return false;
  if (from === undefined) return true;
  return domainsAligned(domainOfAddress(authenticated), domainOfAddress(from));
}

/**
 * Whether the From shown was vouched for when the message was held. Items written before
 * senderAuthenticated was recorded are judged from allowSender (recorded for authenticated
 * senders only); an old blocklisted item is taken as not authenticated, since claiming a
 * verification nobody recorded is the worse mistake.
 */
export function isSenderAuthenticated(
  item: Pick<QuarantineItem, 'senderAuthenticated' | 'allowSender' | 'from'>,
): boolean {
  return item.senderAuthenticated ?? fromIsVouchedFor(item.allowSender, item.from);
}

/**
 * Past its retention: no longer listed or releasable, even before DynamoDB's TTL (which can
 * lag by days) removes the record. S3 keeps the copy one day longer, so nothing in between
 * points at a missing object.
 */
export function isExpired(item: Pick<QuarantineItem, 'expiresAt'>, now: Date): boolean {
  return Date.parse(item.expiresAt) <= now.getTime();
}

/**
 * Held because SES found malware: only an administrator may release it. End users get no
 * digest entry and no release link for it (a phisher's next mail would be "please release
 * the invoice from quarantine").
 */
export function isAdminOnly(item: Pick<QuarantineItem, 'reasons'>): boolean {
  return item.reasons.some((reason) => reason.id === 'SES_VIRUS_VERDICT_FAIL');
}
