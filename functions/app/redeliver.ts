import { ConflictError, NotFoundError } from '../core/errors.ts';
import { INCOMING_RETENTION_DAYS } from '../core/mime/mail-keys.ts';
import { refusedByNextHop } from '../core/tracking/recipient-outcome.ts';
import { type ClassifiedMessage, compactVerdict } from './pipeline-messages.ts';
import type { QuarantineOutcome } from './quarantine-admin.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

const DAY_MS = 86_400_000;

/**
 * Delivers again what the next hop refused for good, once an admin has fixed the cause (a
 * relay that refused us, a mailbox that now exists). A refusal is not retried by itself (see
 * deliver), and a dead-letter redrive does not pick it up: this is the way back. The refused
 * recipients are opened again and the message goes back to the action stage as the graymail
 * stage sent it, with the verdicts recorded then; the stage re-plans every recipient and acts
 * only on the open ones (the others are finished), under the policy in force now. The raw mail
 * must still be kept (incoming/, INCOMING_RETENTION_DAYS).
 */
export async function redeliverRefused(
  deps: PipelineDeps,
  messageId: string,
  recipients: readonly string[] | 'all',
  principal: string,
): Promise<QuarantineOutcome> {
  const { clock, tracking, log } = deps;
  const record = await tracking.get(messageId);
  if (!record) throw new NotFoundError(`no tracked message ${messageId}`);
  const wanted =
    recipients === 'all' ? undefined : new Set(recipients.map((recipient) => recipient.toLowerCase()));
  const chosen = record.recipientStates.filter((r) => !wanted || wanted.has(r.recipient.toLowerCase()));
  if (wanted && chosen.length < wanted.size) {
    const known = new Set(record.recipientStates.map((r) => r.recipient.toLowerCase()));
    const unknown = [...wanted].filter((r) => !known.has(r));
    throw new NotFoundError(`message ${messageId} has no recipient ${unknown.join(', ')}`);
  }
  const refused = chosen.filter(refusedByNextHop).map((r) => r.recipient);
  const unchanged = chosen
    .filter((r) => !refusedByNextHop(r))
    .map((r) => ({ recipient: r.recipient, state: r.state }));
  if (refused.length === 0) {
    throw new ConflictError(
      `the next hop refused no recipient of message ${messageId} for good (${unchanged.map((r) => `${r.recipient}: ${r.state}`).join(', ')}); ` +
        'a quarantined copy is released, a dead letter is redriven',
    );
  }
  if (!record.scan || !record.graymail || !record.ses) {
    throw new ConflictError(
      `message ${messageId} was recorded before redelivery was possible (its SES verdicts were not kept)`,
    );
  }
  if (clock.now().getTime() >= Date.parse(record.receivedAt) + INCOMING_RETENTION_DAYS * DAY_MS) {
    throw new NotFoundError(
      `the raw mail of message ${messageId} is no longer kept (${INCOMING_RETENTION_DAYS} days after receipt)`,
    );
  }
  await tracking.updateRecipients(
    messageId,
    refused,
    { state: 'received' },
    trackingEvent(
      clock,
      'admin',
      'redelivery-requested',
      `Delivery asked again by ${principal} after the next hop's refusal`,
      refused,
    ),
  );
  const message: ClassifiedMessage = {
    v: 1,
    mail: {
      messageId,
      bucket: record.bucket,
      key: record.key,
      receivedAt: record.receivedAt,
      envelopeFrom: record.envelopeFrom,
      recipients: record.recipients,
      ses: record.ses,
    },
    scan: compactVerdict(record.scan),
    graymail: { category: record.graymail.category, reasonIds: record.graymail.reasons.map((r) => r.id) },
  };
  await deps.queue.send('action', message);
  log.info('redelivery queued', { messageId, recipients: refused, principal });
  return { done: refused, unchanged };
}
