import { DeliveryError, GraywallError } from '../core/errors.ts';
import { planActions, type RecipientPlan } from '../core/policy/plan-actions.ts';
import { renderForDelivery } from '../core/policy/render-delivery.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';
import type { ClassifiedMessage } from './pipeline-messages.ts';
import type { QuarantineItem } from './quarantine-item.ts';
import { addDays, type PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

/**
 * How long a claim on a recipient protects an attempt in progress. Longer than the action
 * function's timeout, so a live attempt is never overtaken; a dead one is retried after it.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

export const QUARANTINE_PREFIX = 'quarantine/';

/** Another attempt holds the claim on some recipients: retry after its lease. */
export class ClaimBusyError extends GraywallError {
  override readonly name = 'ClaimBusyError';
}

/**
 * Stage 3: apply the policy to each recipient group and carry out the action. Every
 * irreversible step is claimed per recipient first, so a duplicated or retried message is
 * delivered once and quarantined once.
 */
export async function runActionStage(deps: PipelineDeps, message: ClassifiedMessage): Promise<void> {
  const { tracking, log } = deps;
  const id = message.mail.messageId;
  const record = await tracking.get(id);
  if (!record) throw new GraywallError(`no tracking record for ${id}: the scan stage must run first`);
  const plans = planActions(deps.config.policy, message.scan, undefined, message.mail.recipients);
  const raw = await deps.mail.get(message.mail.key);
  for (const plan of plans) {
    const claim = await tracking.claimRecipients(id, plan.recipients, deps.clock.now(), CLAIM_LEASE_MS);
    if (claim.finished.length > 0) {
      log.info('recipients already handled by an earlier attempt', {
        recipients: claim.finished.map((r) => `${r.recipient}=${r.state}`),
      });
    }
    if (claim.claimed.length > 0) {
      await carryOut(deps, message, record, raw, { ...plan, recipients: claim.claimed });
    }
    if (claim.busy.length > 0) {
      throw new ClaimBusyError(`recipients ${claim.busy.join(', ')} are being handled by another attempt`);
    }
  }
}

async function carryOut(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  record: TrackingRecord,
  raw: Buffer,
  plan: RecipientPlan,
): Promise<void> {
  const { tracking, clock, log } = deps;
  const id = message.mail.messageId;
  const policyNote = `policy "${plan.policy}" (${plan.matched})`;
  switch (plan.action) {
    case 'deliver': {
      const bytes = renderForDelivery(
        raw,
        message.scan,
        { category: message.graymail.category, reasons: [] },
        plan.prependSubject === undefined ? {} : { prependSubject: plan.prependSubject },
      );
      await deliver(deps, id, message.mail.envelopeFrom, plan, bytes, policyNote);
      return;
    }
    case 'quarantine': {
      const key = `${QUARANTINE_PREFIX}${id}`;
      // Copy first: the quarantined copy outlives incoming/ (its own lifecycle rule), and a
      // repeated copy of the same object is harmless.
      await deps.mail.copy(message.mail.key, key);
      const now = clock.now();
      const retention = deps.config.quarantine.retentionDays;
      for (const recipient of plan.recipients) {
        const item: QuarantineItem = {
          messageId: id,
          recipient,
          envelopeFrom: message.mail.envelopeFrom,
          ...(record.from === undefined ? {} : { from: record.from }),
          ...(record.subject === undefined ? {} : { subject: record.subject }),
          size: raw.byteLength,
          score: message.scan.score,
          verdict: message.scan.verdict,
          reasons: record.scan?.reasons ?? message.scan.reasons,
          policy: plan.policy,
          key,
          quarantinedAt: now.toISOString(),
          expiresAt: addDays(now, retention).toISOString(),
          state: 'quarantined',
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
          `Quarantined for ${retention} days by ${policyNote}`,
          plan.recipients,
        ),
      );
      log.info('quarantined', { recipients: plan.recipients });
      return;
    }
    case 'drop': {
      await tracking.updateRecipients(
        id,
        plan.recipients,
        { state: 'dropped', policy: plan.policy, action: 'drop' },
        trackingEvent(clock, 'action', 'dropped', `Dropped by ${policyNote}`, plan.recipients),
      );
      log.info('dropped', { recipients: plan.recipients });
      return;
    }
  }
}

/**
 * Sends one copy to all claimed recipients in a single SMTP transaction. On failure the
 * claims are given back and the error rethrown, so the queue retries the stage.
 */
export async function deliver(
  deps: PipelineDeps,
  id: string,
  envelopeFrom: string,
  plan: Pick<RecipientPlan, 'recipients' | 'policy'>,
  bytes: Uint8Array,
  why: string,
  stage: 'action' | 'release' = 'action',
): Promise<void> {
  const { tracking, clock, log } = deps;
  try {
    const receipt = await deps.transport.deliver({ envelopeFrom, recipients: plan.recipients, raw: bytes });
    if (receipt.accepted.length > 0) {
      await tracking.updateRecipients(
        id,
        receipt.accepted,
        {
          state: stage === 'release' ? 'released' : 'delivered',
          policy: plan.policy,
          action: 'deliver',
          response: receipt.response,
        },
        trackingEvent(
          clock,
          stage,
          'delivered',
          `Delivered via ${deps.transport.description} (${why}): ${receipt.response}`,
          receipt.accepted,
        ),
      );
    }
    if (receipt.rejected.length > 0) {
      await tracking.updateRecipients(
        id,
        receipt.rejected,
        { state: 'error', policy: plan.policy, action: 'deliver', response: receipt.response },
        trackingEvent(
          clock,
          stage,
          'delivery-rejected',
          `Rejected by ${deps.transport.description}: ${receipt.response}`,
          receipt.rejected,
        ),
      );
    }
    log.info('delivered', {
      accepted: receipt.accepted,
      rejected: receipt.rejected,
      response: receipt.response,
    });
  } catch (error) {
    await tracking.releaseClaims(id, plan.recipients);
    const response =
      error instanceof DeliveryError ? (error.response ?? error.message) : (error as Error).message;
    await tracking.appendEvents(id, [
      trackingEvent(
        clock,
        stage,
        'delivery-failed',
        `Delivery via ${deps.transport.description} failed: ${response}`,
        plan.recipients,
      ),
    ]);
    throw error;
  }
}
