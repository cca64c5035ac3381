import { BadRequestError } from '../core/errors.ts';
import { parseMessage } from '../core/mime/parse-message.ts';
import { DEFAULT_FORWARD_LIMITS, forwardedMessages } from '../core/submissions/forwarded.ts';
import { decideMailbox } from '../core/submissions/mailbox.ts';
import { describeCategory } from '../core/submissions/submission.ts';
import { CLAIM_LEASE_MS, ClaimBusyError } from './action-stage.ts';
import type { InboundMail } from './pipeline-messages.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { submitMessage } from './submissions.ts';
import { trackingEvent } from './tracking-event.ts';

/** The recipients of a message that are submission mailboxes, not people. */
export function mailboxRecipients(
  deps: Pick<PipelineDeps, 'config'>,
  recipients: readonly string[],
): string[] {
  const mailboxes = new Set(deps.config.submissions.mailboxes.map((m) => m.address));
  return recipients.filter((recipient) => mailboxes.has(recipient.toLowerCase()));
}

/**
 * Mail to a submission mailbox: each message the sender attached is filed as a submission,
 * under the mailbox's category or the one the subject names; mail that may not report
 * (outsiders, unauthenticated senders, nothing attached) is refused, and either way the
 * tracking record says what happened to that recipient. Nothing is delivered to a mailbox.
 * Claimed per recipient first, so a retried notification files once.
 */
export async function fileFromMailbox(
  deps: PipelineDeps,
  mail: InboundMail,
  raw: Buffer,
  recipients: readonly string[],
): Promise<void> {
  const { tracking, clock, log } = deps;
  const id = mail.messageId;
  const claim = await tracking.claimRecipients(id, recipients, clock.now(), CLAIM_LEASE_MS);
  if (claim.busy.length > 0)
    throw new ClaimBusyError(`mailbox ${claim.busy.join(', ')} is being handled by another attempt`);
  if (claim.claimed.length === 0) return;
  const parsed = await parseMessage(raw).catch(() => undefined);
  // One more than are filed, to say when some were left out.
  const found = forwardedMessages(raw, {
    ...DEFAULT_FORWARD_LIMITS,
    maxMessages: DEFAULT_FORWARD_LIMITS.maxMessages + 1,
  });
  const attached = found.slice(0, DEFAULT_FORWARD_LIMITS.maxMessages);
  const leftOut =
    found.length > attached.length
      ? [
          `more than ${attached.length} messages attached: the rest were not filed (forward them in another message)`,
        ]
      : [];
  for (const recipient of claim.claimed) {
    const mailbox = deps.config.submissions.mailboxes.find((m) => m.address === recipient.toLowerCase());
    const decision = decideMailbox({
      mailbox: mailbox ?? { address: recipient },
      ownDomains: deps.config.domains,
      envelopeFrom: mail.envelopeFrom,
      from: parsed?.from?.address,
      spf: mail.ses.spf,
      dmarc: mail.ses.dmarc,
      subject: parsed?.subject ?? '',
      attached: attached.length,
    });
    if (!decision.accept) {
      log.warn('submission refused', { mailbox: recipient, reason: decision.reason });
      await tracking.updateRecipients(
        id,
        [recipient],
        {
          state: 'dropped',
          action: 'drop',
          response: `refused by the submission mailbox: ${decision.reason}`,
        },
        trackingEvent(
          clock,
          'action',
          'submission-refused',
          `Not filed by submission mailbox ${recipient}: ${decision.reason}`,
          [recipient],
        ),
      );
      continue;
    }
    const filed: string[] = [];
    const skipped: string[] = [...leftOut];
    for (const [index, message] of attached.entries()) {
      try {
        const submission = await submitMessage(deps, {
          category: decision.category,
          source: 'mailbox',
          submittedBy: decision.submittedBy,
          raw: message,
          note: `forwarded to ${recipient} in message ${id}`,
        });
        filed.push(submission.id);
      } catch (error) {
        // One attachment that cannot be filed (too large) does not lose the others.
        if (!(error instanceof BadRequestError)) throw error;
        skipped.push(`attachment ${index + 1}: ${error.message}`);
      }
    }
    const detail =
      `Filed by submission mailbox ${recipient} as ${describeCategory(decision.category)}, reported by ${decision.submittedBy}: ` +
      (filed.length > 0 ? `submission ${filed.join(', ')}` : 'nothing') +
      (skipped.length > 0 ? `; not filed: ${skipped.join('; ')}` : '');
    await tracking.updateRecipients(
      id,
      [recipient],
      filed.length > 0
        ? { state: 'delivered', response: `filed as submission ${filed.join(', ')}` }
        : { state: 'dropped', action: 'drop', response: `nothing filed: ${skipped.join('; ')}` },
      trackingEvent(clock, 'action', filed.length > 0 ? 'submitted' : 'submission-refused', detail, [
        recipient,
      ]),
    );
    log.info('submission mailbox', { mailbox: recipient, filed, skipped: skipped.length });
  }
}
