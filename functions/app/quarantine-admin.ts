import { BadRequestError, ConflictError, DeliveryError, NotFoundError } from '../core/errors.ts';
import { normalizeBareCr, prependHeaderFields } from '../core/mime/raw-message.ts';
import { renderForDelivery } from '../core/policy/render-delivery.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';
import { CLAIM_LEASE_MS } from './action-stage.ts';
import { deliver } from './deliver.ts';
import {
  parseForSafeUnsubscribe,
  safeUnsubscribeCopy,
  withoutUnsafeListUnsubscribe,
} from './graymail-delivery.ts';
import type { Page, QuarantineQuery } from './ports.ts';
import { isExpired, listVerdictOf, type QuarantineItem } from './quarantine-item.ts';
import { count } from './reporting.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

/** Time a release may spend delivering, all copies together (see releaseQuarantined). */
export const RELEASE_DELIVERY_BUDGET_MS = 20_000;

export interface QuarantineDetail {
  readonly items: readonly QuarantineItem[];
  readonly tracking: TrackingRecord | undefined;
}

export interface QuarantineOutcome {
  /** Recipients this call acted on. */
  readonly done: readonly string[];
  /** Recipients whose item was already released or deleted (nothing was done again). */
  readonly unchanged: ReadonlyArray<{ readonly recipient: string; readonly state: string }>;
}

export async function listQuarantine(
  deps: PipelineDeps,
  query: QuarantineQuery,
): Promise<Page<QuarantineItem>> {
  // What is still held can be released; expired items are waiting for TTL to remove them.
  // Released and deleted items are history and listed whatever their age.
  const held = (query.state ?? 'quarantined') === 'quarantined';
  return deps.quarantine.list(held ? { ...query, activeAt: deps.clock.now().toISOString() } : query);
}

export async function showQuarantined(deps: PipelineDeps, messageId: string): Promise<QuarantineDetail> {
  const items = await deps.quarantine.listForMessage(messageId);
  if (items.length === 0) throw new NotFoundError(`no quarantined message ${messageId}`);
  return { items, tracking: await deps.tracking.get(messageId) };
}

/**
 * Releases quarantined copies: delivers them without scanning again and records who did it.
 * Each recipient's item is claimed (`quarantined` → `releasing`) before delivery, so a second
 * release, or two admins clicking at once, delivers once.
 */
export async function releaseQuarantined(
  deps: PipelineDeps,
  messageId: string,
  recipients: readonly string[] | 'all',
  principal: string,
  options: { readonly deliveryBudgetMs?: number } = {},
): Promise<QuarantineOutcome> {
  const { clock, log } = deps;
  const items = selectItems(await deps.quarantine.listForMessage(messageId), messageId, recipients);
  const now = clock.now();
  const staleClaimBefore = new Date(now.getTime() - CLAIM_LEASE_MS).toISOString();
  const claimed: QuarantineItem[] = [];
  const unchanged: Array<{ recipient: string; state: string }> = [];
  for (const item of items) {
    if (item.state === 'quarantined' && isExpired(item, now)) {
      unchanged.push({ recipient: item.recipient, state: 'expired' });
      continue;
    }
    const moved = await deps.quarantine.transition(
      messageId,
      item.recipient,
      { states: ['quarantined'], staleClaimBefore },
      'releasing',
      { claimedAt: now.toISOString() },
    );
    if (moved) claimed.push(moved);
    else
      unchanged.push({
        recipient: item.recipient,
        state: (await deps.quarantine.get(messageId, item.recipient))?.state ?? 'gone',
      });
  }
  if (claimed.length === 0) {
    const expired = items.filter((item) => item.state === 'quarantined' && isExpired(item, now));
    if (expired.length > 0 && expired.length === unchanged.length) {
      throw new ConflictError(
        `message ${messageId} expired from quarantine at ${(expired[0] as QuarantineItem).expiresAt} (kept ${deps.config.quarantine.retentionDays} days) and can no longer be released`,
      );
    }
    return { done: [], unchanged };
  }

  // Releases run in the API's functions (29 s, and API Gateway answers 503 at 30 s): a slow
  // delivery target must fail the release in words while there is time to give the claims
  // back, not leave them leased for CLAIM_LEASE_MS after the function is killed.
  const releaseDeadline = clock.now().getTime() + (options.deliveryBudgetMs ?? RELEASE_DELIVERY_BUDGET_MS);
  const first = claimed[0] as QuarantineItem;
  const record = await deps.tracking.get(messageId);
  const to = claimed.map((item) => item.recipient);
  const delivered: string[] = [];
  const markReleased = async (recipients: readonly string[]): Promise<void> => {
    const releasedAt = clock.now().toISOString();
    for (const recipient of recipients) {
      await deps.quarantine.transition(messageId, recipient, { states: ['releasing'] }, 'released', {
        releasedBy: principal,
        releasedAt,
      });
    }
  };
  try {
    const raw = normalizeBareCr(await deps.mail.get(first.key));
    const scan = record?.scan ?? {
      score: first.score,
      verdict: first.verdict,
      reasons: first.reasons,
      engineVersion: 'unknown',
    };
    // Each item under its own policy: the tags and header its quarantine action asked for.
    // The recipient's verdict, as on delivery: their policy's thresholds or a list entry
    // may have held it at another verdict than the score's.
    const released = (copy: Buffer, item: QuarantineItem): Buffer =>
      prependHeaderFields(
        renderForDelivery(
          copy,
          { ...scan, verdict: item.verdict },
          record?.graymail,
          item.modifiers ?? {},
          item.policy,
          listVerdictOf(item),
        ),
        [['X-Graywall-Released', `by ${principal} at ${now.toISOString()}`]],
      );
    const send = async (recipients: readonly string[], policy: string, bytes: Buffer): Promise<void> => {
      const left = releaseDeadline - clock.now().getTime();
      if (left <= 0) {
        throw new DeliveryError(
          `out of time after ${delivered.length} of ${to.length} recipient(s); release the rest again`,
          { permanent: false },
        );
      }
      await deliver(
        deps,
        messageId,
        first.envelopeFrom,
        { recipients, policy },
        bytes,
        `released by ${principal}`,
        { stage: 'release', timeoutMs: left },
      );
      delivered.push(...recipients);
    };
    if (claimed.some((item) => item.safeUnsubscribe)) {
      // Graymail held with safe unsubscribe: each recipient's copy carries their own link.
      const parsed = await parseForSafeUnsubscribe(deps, raw);
      for (const item of claimed) {
        const copy = item.safeUnsubscribe
          ? await safeUnsubscribeCopy(
              deps,
              {
                messageId,
                recipient: item.recipient,
                envelopeFrom: item.envelopeFrom,
                from: item.from,
                subject: item.subject,
                verifiedSender: record?.allowSender,
              },
              raw,
              parsed,
              'release',
            )
          : await withoutUnsafeListUnsubscribe(deps, messageId, raw, [item.recipient], 'release');
        await send([item.recipient], item.policy, released(copy, item));
      }
    } else {
      // One copy per policy and its tags, as on delivery.
      const groups = new Map<string, QuarantineItem[]>();
      for (const item of claimed) {
        const key = JSON.stringify([item.policy, item.modifiers ?? {}]);
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
      for (const group of groups.values()) {
        const head = group[0] as QuarantineItem;
        const recipients = group.map((item) => item.recipient);
        const copy = await withoutUnsafeListUnsubscribe(deps, messageId, raw, recipients, 'release');
        await send(recipients, head.policy, released(copy, head));
      }
    }
  } catch (error) {
    // Copies already delivered stay released; the rest go back so the admin can try again.
    await markReleased(delivered);
    for (const recipient of to.filter((r) => !delivered.includes(r))) {
      await deps.quarantine.transition(messageId, recipient, { states: ['releasing'] }, 'quarantined');
    }
    throw error;
  }
  await markReleased(to);
  await deps.tracking.appendEvents(messageId, [
    trackingEvent(clock, 'release', 'released', `Released from quarantine by ${principal}`, to),
  ]);
  log.info('released from quarantine', { recipients: to, principal });
  return { done: to, unchanged };
}

/** Deletes quarantined copies for good; the tracking record keeps the history. */
export async function deleteQuarantined(
  deps: PipelineDeps,
  messageId: string,
  recipients: readonly string[] | 'all',
  principal: string,
): Promise<QuarantineOutcome> {
  const { clock, log } = deps;
  const all = await deps.quarantine.listForMessage(messageId);
  const items = selectItems(all, messageId, recipients);
  const deletedAt = clock.now().toISOString();
  const done: string[] = [];
  const unchanged: Array<{ recipient: string; state: string }> = [];
  for (const item of items) {
    const moved = await deps.quarantine.transition(
      messageId,
      item.recipient,
      { states: ['quarantined'] },
      'deleted',
      {
        deletedBy: principal,
        deletedAt,
      },
    );
    if (moved) done.push(item.recipient);
    else unchanged.push({ recipient: item.recipient, state: item.state });
  }
  if (done.length > 0) {
    await deps.tracking.updateRecipients(
      messageId,
      done,
      { state: 'deleted' },
      trackingEvent(clock, 'admin', 'deleted', `Deleted from quarantine by ${principal}`, done),
    );
    // The stored copy goes once no recipient can release it any more.
    const remaining = await deps.quarantine.listForMessage(messageId);
    if (remaining.every((item) => item.state === 'released' || item.state === 'deleted')) {
      await deps.mail.delete((all[0] as QuarantineItem).key);
    }
    await count(deps.reports, log, clock.now(), { deleted: done.length });
    log.info('deleted from quarantine', { recipients: done, principal });
  }
  return { done, unchanged };
}

function selectItems(
  items: readonly QuarantineItem[],
  messageId: string,
  recipients: readonly string[] | 'all',
): QuarantineItem[] {
  if (items.length === 0) throw new NotFoundError(`no quarantined message ${messageId}`);
  if (recipients === 'all') return [...items];
  const wanted = new Set(recipients.map((r) => r.toLowerCase()));
  const selected = items.filter((item) => wanted.has(item.recipient));
  const missing = [...wanted].filter((r) => !items.some((item) => item.recipient === r));
  if (missing.length > 0)
    throw new BadRequestError(`message ${messageId} is not quarantined for ${missing.join(', ')}`);
  return selected;
}
