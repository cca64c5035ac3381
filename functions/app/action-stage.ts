import { GraywallError } from '../core/errors.ts';
import type { GraymailCategory } from '../core/graymail/classify-graymail.ts';
import {
  decideLists,
  describeListMatch,
  describeUnverifiedMatch,
  type ListMatch,
  senderIdentitiesOf,
} from '../core/lists/sender-lists.ts';
import { QUARANTINE_PREFIX } from '../core/mime/mail-keys.ts';
import { archiveKey, toMboxEntry } from '../core/mime/mbox.ts';
import { normalizeBareCr } from '../core/mime/raw-message.ts';
import { isSignedOrEncrypted } from '../core/mime/signed.ts';
import { resolvePolicies } from '../core/policy/match-policy.ts';
import { planActions, type RecipientPlan } from '../core/policy/plan-actions.ts';
import { type Modifiers, renderForDelivery } from '../core/policy/render-delivery.ts';
import { SES_VIRUS_VERDICT_FAIL } from '../core/scan/rules/ses-verdicts.ts';
import type { Reason } from '../core/scan/types.ts';
import { refusedByNextHop } from '../core/tracking/recipient-outcome.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';
import { deliver } from './deliver.ts';
import { deliverWithSafeUnsubscribe, withoutUnsafeListUnsubscribe } from './graymail-delivery.ts';
import { emitMetric } from './operational-metrics.ts';
import type { ClassifiedMessage } from './pipeline-messages.ts';
import { fromIsVouchedFor, LIST_REASON_IDS, type QuarantineItem } from './quarantine-item.ts';
import { refusalNotice, senderReachable } from './refusal-notice.ts';
import { count } from './reporting.ts';
import { addDays, type PipelineDeps } from './stage-deps.ts';
import { noteResumeAfterDeadLetter, trackingEvent } from './tracking-event.ts';

/**
 * How long a claim on a recipient protects an attempt in progress. Longer than the action
 * function's timeout, so a live attempt is never overtaken; a dead one is retried after it.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

/**
 * SES accepts SendBounce only within 24 hours of receipt; a message retried or redriven
 * later than that can no longer be bounced.
 */

/** Another attempt holds the claim on some recipients: retry after its lease. */
export class ClaimBusyError extends GraywallError {
  override readonly name = 'ClaimBusyError';
}

/**
 * Some recipient groups' actions failed in a way worth retrying; the other groups were carried
 * out and recorded. The queue retries the message, and the retry acts on these groups only.
 */
export class ActionIncompleteError extends GraywallError {
  override readonly name = 'ActionIncompleteError';
  readonly failures: readonly GroupFailure[];
  constructor(failures: readonly GroupFailure[], groups: number) {
    const what = failures.map(
      ({ policy, recipients, error }) =>
        `policy "${policy}" (${recipients.join(', ')}): ${(error as Error).name}: ${(error as Error).message}`,
    );
    super(`${failures.length} of ${groups} recipient groups not done: ${what.join('; ')}`, {
      cause: failures[0]?.error,
    });
    this.failures = failures;
  }
}

export interface GroupFailure {
  readonly policy: string;
  readonly recipients: readonly string[];
  readonly error: unknown;
}

/**
 * Stage 3: match each recipient to its policy, then carry out the policy's action for each
 * group of recipients. Every irreversible step is claimed per recipient first, so a
 * duplicated or retried message is delivered, bounced or quarantined once.
 *
 * The groups are independent: one group's failure (an alternate host that is down) must not
 * hold up the others, so each is tried, and only then does a failure make the queue retry the
 * message. The retry finds the done groups' recipients finished and acts on the rest.
 */
export async function runActionStage(deps: PipelineDeps, message: ClassifiedMessage): Promise<void> {
  const { tracking, log } = deps;
  const id = message.mail.messageId;
  const record = await tracking.get(id);
  if (!record) throw new GraywallError(`no tracking record for ${id}: the scan stage must run first`);
  await noteResumeAfterDeadLetter(tracking, deps.clock, record, 'action');
  const { envelopeFrom, recipients } = message.mail;
  const { matches: listed, unverified } = decideLists(
    senderIdentitiesOf(message.mail.envelopeFrom, record.from, message.mail.ses),
    recipients,
    await deps.lists.lookup(
      [envelopeFrom, record.from].filter((a): a is string => !!a),
      recipients,
    ),
  );
  if (unverified.size > 0) {
    await tracking.appendEvents(id, [
      trackingEvent(
        deps.clock,
        'action',
        'list-not-applied',
        describeUnverifiedMatch([...unverified.values()][0] as ListMatch),
        [...unverified.keys()],
      ),
    ]);
  }
  // Delivered as scanned: line endings made canonical (see normalizeBareCr).
  const raw = normalizeBareCr(await deps.mail.get(message.mail.key));
  const signed = isSignedOrEncrypted(raw);
  const plans = planActions(resolvePolicies(deps.config), {
    graymail: message.graymail.category,
    signed,
    score: message.scan.score,
    scanVerdict: message.scan.verdict,
    envelopeFrom,
    senderAuthenticated: message.mail.ses.spf === 'PASS',
    recipients,
    malware: isMalware(message),
    lists: new Map(
      [...listed].map(([recipient, match]) => [
        recipient,
        { verdict: match.verdict, reason: describeListMatch(match) },
      ]),
    ),
  });
  const differing = [...new Set(plans.map((plan) => plan.verdict))].filter((v) => v !== message.scan.verdict);
  await tracking.addPolicyVerdicts(id, differing);
  // Refused for good by the next hop on an earlier attempt: trying again would only repeat it.
  const refused = new Set(record.recipientStates.filter(refusedByNextHop).map((r) => r.recipient));
  const run: ActionRun = { record, raw, signed, archived: new Set() };
  const failures: GroupFailure[] = [];
  for (const plan of plans) {
    const open = plan.recipients.filter((r) => !refused.has(r));
    if (open.length < plan.recipients.length) {
      log.info('recipients refused by the next hop on an earlier attempt: not tried again', {
        recipients: plan.recipients.filter((r) => refused.has(r)),
      });
    }
    if (open.length === 0) continue;
    try {
      await actOnGroup(deps, message, run, { ...plan, recipients: open });
    } catch (error) {
      log.warn('recipient group not done: the message will be retried for it', {
        policy: plan.policy,
        recipients: open,
        error,
      });
      failures.push({ policy: plan.policy, recipients: open, error });
    }
  }
  if (failures.length > 0) throw new ActionIncompleteError(failures, plans.length);
}

/** What every group of one attempt shares. */
interface ActionRun {
  readonly record: TrackingRecord;
  readonly raw: Buffer;
  readonly signed: boolean;
  /** Archive keys written by this attempt (two groups of one policy share one). */
  readonly archived: Set<string>;
}

async function actOnGroup(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  run: ActionRun,
  plan: RecipientPlan,
): Promise<void> {
  const { tracking, log } = deps;
  const claim = await tracking.claimRecipients(
    message.mail.messageId,
    plan.recipients,
    deps.clock.now(),
    CLAIM_LEASE_MS,
  );
  if (claim.finished.length > 0) {
    log.info('recipients already handled by an earlier attempt', {
      recipients: claim.finished.map((r) => `${r.recipient}=${r.state}`),
    });
  }
  if (claim.claimed.length > 0) {
    try {
      await carryOut(deps, message, run, { ...plan, recipients: claim.claimed });
    } catch (error) {
      // Failed before or after the delivery (which gives its own claims back): without this
      // the retry would find its recipients claimed and wait out the lease. Recipients done
      // meanwhile are no longer `delivering`, and keep their state.
      await tracking.releaseClaims(message.mail.messageId, claim.claimed);
      throw error;
    }
    if (plan.list)
      await count(deps.reports, log, deps.clock.now(), { [plan.list.verdict]: claim.claimed.length });
  }
  if (claim.busy.length > 0) {
    throw new ClaimBusyError(`recipients ${claim.busy.join(', ')} are being handled by another attempt`);
  }
}

/** SES's virus verdict, from the receipt or (local gateway) the scan's reasons. */
function isMalware(message: ClassifiedMessage): boolean {
  return (
    message.mail.ses.virus === 'FAIL' || message.scan.reasons.some((r) => r.id === SES_VIRUS_VERDICT_FAIL.id)
  );
}

/** The subject tags and header an action's settings ask for, and nothing else. */
function modifiersOf(settings: Modifiers): Modifiers {
  return {
    ...(settings.prependSubject ? { prependSubject: settings.prependSubject } : {}),
    ...(settings.appendSubject ? { appendSubject: settings.appendSubject } : {}),
    ...(settings.addHeader ? { addHeader: settings.addHeader } : {}),
  };
}

function listReason(list: NonNullable<RecipientPlan['list']>): Reason {
  return {
    id: LIST_REASON_IDS[list.verdict],
    group: 'engine',
    description: list.reason,
    score: 0,
  };
}

function graymailReason(category: Exclude<GraymailCategory, 'none'>, policy: string): Reason {
  const kind = { marketing: 'Marketing', social: 'Social-network', bulk: 'Bulk' }[category];
  return {
    id: `GRAYMAIL_${category.toUpperCase()}`,
    group: 'engine',
    description: `${kind} mail, held by policy "${policy}"`,
    score: 0,
  };
}

async function carryOut(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  run: ActionRun,
  plan: RecipientPlan,
): Promise<void> {
  const { tracking, clock, log } = deps;
  const { record, raw, signed } = run;
  const id = message.mail.messageId;
  const { settings } = plan;
  const why = describePlan(plan);
  if (settings.archive) await archive(deps, message, run, plan);
  switch (settings.action) {
    case 'deliver': {
      const transport = settings.alternateHost
        ? deps.transports.forHost(settings.alternateHost)
        : deps.transport;
      // Signed or encrypted graymail reaches the recipient unmodified: no tags, no banner.
      const modifiers = plan.graymail && signed ? {} : settings;
      if (safeUnsubscribeApplies(deps, plan, signed)) {
        await deliverWithSafeUnsubscribe(
          deps,
          message,
          raw,
          plan,
          modifiers,
          transport,
          why,
          record.from,
          record.subject,
          record.allowSender,
        );
        return;
      }
      // Signed or encrypted graymail stays as it came; any other copy loses an unsafe List-Unsubscribe.
      const screened =
        plan.graymail && signed
          ? raw
          : await withoutUnsafeListUnsubscribe(deps, id, raw, plan.recipients, 'action', {
              ...(plan.verdict === 'suspect' || plan.verdict === 'positive' ? { spam: plan.verdict } : {}),
              noted: record.events.some((e) => e.type === 'unsubscribe-refused' && e.stage === 'action'),
            });
      const bytes = renderForDelivery(
        screened,
        { ...message.scan, verdict: plan.verdict },
        { category: message.graymail.category },
        modifiers,
        plan.policy,
        plan.list?.verdict,
        plan.engineDisabled,
      );
      await deliver(deps, id, message.mail.envelopeFrom, plan, bytes, why, {
        transport,
        ...alternate(settings.alternateRecipient),
        // A copy for an alternate recipient is ours to route: its refusal is not the sender's news.
        ...(settings.alternateRecipient ? {} : { onRefused: refusalNotice(deps, message, record.from, raw) }),
      });
      return;
    }
    case 'quarantine': {
      const key = `${QUARANTINE_PREFIX}${id}`;
      // Copy first: the quarantined copy outlives incoming/ (its own lifecycle rule), and a
      // repeated copy of the same object is harmless.
      await deps.mail.copy(message.mail.key, key);
      const now = clock.now();
      const retention = deps.config.quarantine.retentionDays;
      // A recipient's safelist entry cannot lift a blocklist, nor apply to an unauthenticated sender.
      // Nor is malware ever "always allowed" (see PlanInput.malware).
      // The authenticated sender the scan recorded (see allowSenderOf in scan-stage.ts).
      const allowSender =
        plan.list?.verdict === 'blocklisted' || isMalware(message) ? undefined : record.allowSender;
      // Applied on release, as on delivery (signed or encrypted graymail stays unmodified).
      const modifiers = plan.graymail && signed ? {} : modifiersOf(settings);
      for (const recipient of plan.recipients) {
        const item: QuarantineItem = {
          messageId: id,
          recipient,
          envelopeFrom: message.mail.envelopeFrom,
          ...(record.from === undefined ? {} : { from: record.from }),
          ...(record.subject === undefined ? {} : { subject: record.subject }),
          size: raw.byteLength,
          score: message.scan.score,
          verdict: plan.verdict,
          // A list entry or a graymail category, not the score, decided: it is the first
          // reason shown (digest, quarantine list), not whichever spam rule scored highest.
          reasons: [
            ...(plan.list ? [listReason(plan.list)] : []),
            ...(plan.graymail && !plan.list ? [graymailReason(plan.graymail, plan.policy)] : []),
            ...(record.scan?.reasons ?? message.scan.reasons),
          ],
          policy: plan.policy,
          key,
          quarantinedAt: now.toISOString(),
          expiresAt: addDays(now, retention).toISOString(),
          state: 'quarantined',
          ...(safeUnsubscribeApplies(deps, plan, signed) ? { safeUnsubscribe: true } : {}),
          ...(allowSender ? { allowSender } : {}),
          // Recorded even when allowSender is withheld, so a blocklisted forgery is still marked.
          senderAuthenticated: fromIsVouchedFor(record.allowSender, record.from),
          ...(Object.keys(modifiers).length > 0 ? { modifiers } : {}),
        };
        await deps.quarantine.put(item);
      }
      await tracking.updateRecipients(
        id,
        plan.recipients,
        { state: 'quarantined', policy: plan.policy, action: 'quarantine' },
        trackingEvent(
          clock,
          'action',
          'quarantined',
          `Quarantined for ${retention} days by ${why}`,
          plan.recipients,
        ),
      );
      await count(deps.reports, log, clock.now(), { quarantined: plan.recipients.length });
      emitMetric(deps.metrics, 'Quarantined', plan.recipients.length, { Stage: 'action' });
      log.info('quarantined', { recipients: plan.recipients, policy: plan.policy });
      return;
    }
    case 'drop': {
      await tracking.updateRecipients(
        id,
        plan.recipients,
        { state: 'dropped', policy: plan.policy, action: 'drop' },
        trackingEvent(clock, 'action', 'dropped', `Dropped by ${why}`, plan.recipients),
      );
      await count(deps.reports, log, clock.now(), { dropped: plan.recipients.length });
      emitMetric(deps.metrics, 'Dropped', plan.recipients.length, { Stage: 'action' });
      log.info('dropped', { recipients: plan.recipients, policy: plan.policy });
      return;
    }
    case 'bounce': {
      await bounce(deps, message, record.from, raw, plan, why);
      return;
    }
  }
}

/**
 * Bounces only to a return path SES (or the local gateway) verified (see mayBounceTo: SPF
 * passed for it, or DMARC for a From in the same domain). A bounce to a forged sender is
 * backscatter, spam to an innocent third party; such mail is dropped instead, and the
 * tracking record says why.
 */
async function bounce(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  headerFrom: string | undefined,
  raw: Buffer,
  plan: RecipientPlan,
  why: string,
): Promise<void> {
  const { tracking, clock, log } = deps;
  const id = message.mail.messageId;
  const { ses, envelopeFrom } = message.mail;
  const target = senderReachable(
    { envelopeFrom, headerFrom, receivedAt: message.mail.receivedAt, spf: ses.spf, dmarc: ses.dmarc },
    clock.now(),
  );
  if (!target.ok) {
    const { reason } = target;
    await tracking.updateRecipients(
      id,
      plan.recipients,
      { state: 'dropped', policy: plan.policy, action: 'bounce', response: `not bounced: ${reason}` },
      trackingEvent(
        clock,
        'action',
        'dropped',
        `Not bounced (${why}): ${reason}; dropped instead`,
        plan.recipients,
      ),
    );
    await count(deps.reports, log, clock.now(), { dropped: plan.recipients.length });
    emitMetric(deps.metrics, 'Dropped', plan.recipients.length, { Stage: 'action' });
    log.info('bounce refused, dropped', { recipients: plan.recipients, reason });
    return;
  }
  const response = await deps.bouncer.bounce({
    messageId: id,
    envelopeFrom,
    recipients: plan.recipients,
    arrivalDate: new Date(message.mail.receivedAt),
    original: raw,
    status: '5.7.1',
    diagnostic: `Message rejected by the recipient's mail policy "${plan.policy}"`,
    ...(plan.settings.bounceText ? { explanation: plan.settings.bounceText } : {}),
  });
  await tracking.updateRecipients(
    id,
    plan.recipients,
    { state: 'bounced', policy: plan.policy, action: 'bounce', response },
    trackingEvent(
      clock,
      'action',
      'bounced',
      `Bounced to <${envelopeFrom}> by ${why}: ${response}`,
      plan.recipients,
    ),
  );
  await count(deps.reports, log, clock.now(), { bounced: plan.recipients.length });
  emitMetric(deps.metrics, 'Bounced', plan.recipients.length, { Stage: 'action' });
  log.info('bounced', { recipients: plan.recipients, response });
}

/**
 * Writes the message to the archive once per message and policy (the key is per message, day
 * and policy). The archive comes before the action, so an attempt whose action failed has
 * archived already: its retry, which finds the event in the timeline, does not archive again.
 */
async function archive(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  run: ActionRun,
  plan: RecipientPlan,
): Promise<void> {
  const received = new Date(message.mail.receivedAt);
  const key = archiveKey(message.mail.messageId, received, plan.policy);
  const earlier = run.record.events.some((e) => e.type === 'archived' && e.detail.endsWith(` to ${key}`));
  if (earlier || run.archived.has(key)) return;
  run.archived.add(key);
  await deps.mail.put(key, toMboxEntry(run.raw, message.mail.envelopeFrom, received));
  await deps.tracking.appendEvents(message.mail.messageId, [
    trackingEvent(
      deps.clock,
      'action',
      'archived',
      `Archived (policy "${plan.policy}") to ${key}`,
      plan.recipients,
    ),
  ]);
}

/**
 * Graymail gets the safe-unsubscribe banner when its category's action asks for it, the
 * feature is on, the copy goes to the recipients themselves (not an alternate recipient,
 * who never subscribed) and the message is not signed or encrypted (never modified).
 */
function safeUnsubscribeApplies(deps: PipelineDeps, plan: RecipientPlan, signed: boolean): boolean {
  const { settings } = plan;
  return (
    plan.graymail !== undefined &&
    'safeUnsubscribe' in settings &&
    settings.safeUnsubscribe &&
    deps.config.unsubscribe.enabled &&
    !settings.alternateRecipient &&
    !signed
  );
}

function alternate(address: string | undefined): { alternateRecipient?: string } {
  return address === undefined ? {} : { alternateRecipient: address };
}

function describePlan(plan: RecipientPlan): string {
  const what = plan.graymail ? `graymail: ${plan.graymail}` : plan.verdict;
  return `policy "${plan.policy}" (${what}${plan.notes.length ? `; ${plan.notes.join('; ')}` : ''})`;
}
