import { DeliveryError } from '../core/errors.ts';
import type { RecipientPlan } from '../core/policy/plan-actions.ts';
import { emitMetric } from './operational-metrics.ts';
import type { Transport } from './ports.ts';
import type { RefusalHandler } from './refusal-notice.ts';
import { count } from './reporting.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

export interface DeliverOptions {
  readonly stage?: 'action' | 'release';
  readonly transport?: Transport;
  /** Send one copy to this address instead of the recipients. */
  readonly alternateRecipient?: string;
  /** The most the delivery may take (see OutboundMail.timeoutMs). */
  readonly timeoutMs?: number;
  /** Called with recipients the next hop refused for good (see notifySenderOfRefusal). */
  readonly onRefused?: RefusalHandler;
}

/**
 * Sends one copy to all claimed recipients in a single SMTP transaction (or one copy to the
 * alternate recipient on their behalf). On a failure worth retrying the claims are given back
 * and the error rethrown, so the queue retries the stage. In the action stage a permanent
 * refusal is the next hop's answer, recorded as a rejection of these recipients as for a
 * refused RCPT, not retried for a day; a release rethrows it to the admin who asked.
 */
export async function deliver(
  deps: PipelineDeps,
  id: string,
  envelopeFrom: string,
  plan: Pick<RecipientPlan, 'recipients' | 'policy'>,
  bytes: Uint8Array,
  why: string,
  options: DeliverOptions = {},
): Promise<void> {
  const { tracking, clock, log } = deps;
  const stage = options.stage ?? 'action';
  const transport = options.transport ?? deps.transport;
  const to = options.alternateRecipient ? [options.alternateRecipient] : plan.recipients;
  const via = `${transport.description}${options.alternateRecipient ? ` to alternate recipient ${options.alternateRecipient}` : ''}`;
  try {
    const receipt = await transport.deliver({
      envelopeFrom,
      recipients: to,
      raw: bytes,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    // With an alternate recipient, the group's fate is that one address's fate.
    const accepted = options.alternateRecipient
      ? receipt.accepted.length > 0
        ? plan.recipients
        : []
      : receipt.accepted;
    const rejected = options.alternateRecipient
      ? receipt.accepted.length > 0
        ? []
        : plan.recipients
      : receipt.rejected;
    if (accepted.length > 0) {
      await tracking.updateRecipients(
        id,
        accepted,
        {
          state: stage === 'release' ? 'released' : 'delivered',
          policy: plan.policy,
          action: 'deliver',
          // The recipients table shows this: "delivered" alone would hide that the copy went to
          // someone else (or another host) on the recipient's behalf.
          response: `${options.alternateRecipient ? `to ${options.alternateRecipient}: ` : ''}${receipt.response}`,
        },
        trackingEvent(
          clock,
          stage,
          'delivered',
          `Delivered via ${via} (${why}): ${receipt.response}`,
          accepted,
        ),
      );
      await count(deps.reports, log, clock.now(), {
        [stage === 'release' ? 'released' : 'delivered']: accepted.length,
      });
      emitMetric(deps.metrics, 'Delivered', accepted.length, { Stage: stage });
    }
    if (rejected.length > 0) {
      // Grouped by the reply each RCPT got: "user unknown" for one, "mailbox full" for another.
      const byReply = new Map<string, string[]>();
      for (const recipient of rejected) {
        const reply = options.alternateRecipient
          ? receipt.response
          : (receipt.rejectedReplies?.[recipient] ?? receipt.response);
        byReply.set(reply, [...(byReply.get(reply) ?? []), recipient]);
      }
      for (const [reply, recipients] of byReply) {
        await tracking.updateRecipients(
          id,
          recipients,
          { state: 'error', policy: plan.policy, action: 'deliver', response: reply },
          trackingEvent(clock, stage, 'delivery-rejected', `Rejected by ${via}: ${reply}`, recipients),
        );
        await options.onRefused?.(recipients, reply);
      }
      emitMetric(deps.metrics, 'DeliveryFailures', rejected.length, { Stage: stage });
    }
    log.info('delivered', { accepted, rejected, via, response: receipt.response });
  } catch (error) {
    emitMetric(deps.metrics, 'DeliveryFailures', plan.recipients.length, { Stage: stage });
    const response =
      error instanceof DeliveryError ? (error.response ?? error.message) : (error as Error).message;
    if (stage === 'action' && error instanceof DeliveryError && error.permanent) {
      await tracking.updateRecipients(
        id,
        plan.recipients,
        { state: 'error', policy: plan.policy, action: 'deliver', response },
        trackingEvent(clock, stage, 'delivery-rejected', `Rejected by ${via}: ${response}`, plan.recipients),
      );
      log.warn('delivery refused for good: not retried', { recipients: plan.recipients, via, response });
      await options.onRefused?.(plan.recipients, response);
      return;
    }
    await tracking.releaseClaims(id, plan.recipients);
    await tracking.appendEvents(id, [
      trackingEvent(
        clock,
        stage,
        'delivery-failed',
        `Delivery via ${via} failed: ${response}`,
        plan.recipients,
      ),
    ]);
    throw error;
  }
}
