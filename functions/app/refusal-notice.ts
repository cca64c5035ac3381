import { type BounceDecision, mayBounceTo } from '../core/policy/backscatter.ts';
import type { ClassifiedMessage } from './pipeline-messages.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

/** What the delivery tells whoever notifies the sender: the refused recipients and the reply. */
export type RefusalHandler = (recipients: readonly string[], response: string) => Promise<void>;

/** SES's SendBounce takes a message only within 24 hours of its receipt. */
const BOUNCE_WINDOW_MS = 24 * 3_600_000;

export interface RefusedMessage {
  readonly messageId: string;
  readonly envelopeFrom: string;
  readonly headerFrom: string | undefined;
  readonly receivedAt: string;
  readonly spf: string | undefined;
  readonly dmarc: string | undefined;
  readonly raw: Uint8Array;
}

/**
 * Whether a report (a bounce, a non-delivery report) may go to the message's sender now: to
 * a return path SPF or DMARC vouched for (mayBounceTo: one to a forged path is backscatter),
 * and within SES's 24 hours.
 */
export function senderReachable(
  message: Pick<RefusedMessage, 'envelopeFrom' | 'headerFrom' | 'receivedAt' | 'spf' | 'dmarc'>,
  now: Date,
): BounceDecision {
  const target = mayBounceTo({
    envelopeFrom: message.envelopeFrom,
    ...(message.headerFrom ? { headerFrom: message.headerFrom } : {}),
    ...(message.spf ? { spf: message.spf } : {}),
    ...(message.dmarc ? { dmarc: message.dmarc } : {}),
  });
  if (!target.ok) return target;
  return now.getTime() - Date.parse(message.receivedAt) > BOUNCE_WINDOW_MS
    ? { ok: false, reason: 'the message arrived more than 24 hours ago, too late to bounce' }
    : target;
}

/**
 * Tells the sender that mail we accepted could not be delivered: the next hop refused it for
 * good (RFC 5321 §6.1: after accepting a message, a failure to deliver it MUST be reported to
 * its sender). SES accepted it on our behalf, so the sender has no other way to learn. Only to
 * a return path SPF or DMARC vouched for (mayBounceTo: a notice to a forged one is
 * backscatter), and within SES's 24 hours; otherwise the timeline says why no notice went.
 * The next hop's reply goes to the sender as the reason, as any MTA's non-delivery report
 * carries it. A notice that cannot be sent is logged: the recipients' outcome stands.
 */
export function notifySenderOfRefusal(deps: PipelineDeps, message: RefusedMessage): RefusalHandler {
  return async (recipients, response) => {
    const { clock, log, tracking } = deps;
    const target = senderReachable(message, clock.now());
    const note = (type: string, detail: string) =>
      tracking.appendEvents(message.messageId, [trackingEvent(clock, 'action', type, detail, recipients)]);
    if (!target.ok) {
      await note('sender-not-notified', `The sender was not told of the refusal: ${target.reason}`);
      return;
    }
    // A reply may span lines (multiline SMTP replies) or carry anything: one printable line.
    const reply = response
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim()
      .slice(0, 300);
    // Only a mail server's own reply goes out as the reason ("550 5.1.1 user unknown"); an
    // API's refusal (SES) can name our account and roles, so the sender gets plain words.
    const smtpReply = /^[45]\d\d[ -]/.test(reply);
    try {
      const sent = await deps.bouncer.bounce({
        messageId: message.messageId,
        envelopeFrom: message.envelopeFrom,
        recipients,
        arrivalDate: new Date(message.receivedAt),
        original: message.raw,
        status: smtpReply ? enhancedStatus(reply) : '5.0.0',
        diagnostic: reply,
        explanation: smtpReply
          ? `The recipient's mail server refused the message: ${reply}`
          : "The recipient's mail system refused the message",
      });
      await note('sender-notified', `Non-delivery report sent: ${sent}`);
    } catch (error) {
      log.error('could not send the non-delivery report', { recipients, error });
      await note(
        'sender-not-notified',
        `The non-delivery report could not be sent: ${(error as Error).message}`,
      );
    }
  };
}

/** The reply's RFC 3463 enhanced status code (5.1.1 ...), or 5.0.0 when it names none. */
function enhancedStatus(reply: string): string {
  return /\b(5\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? '5.0.0';
}

/** Tells an authenticated sender when the next hop refuses the message for good (RFC 5321 §6.1). */
export function refusalNotice(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  headerFrom: string | undefined,
  raw: Buffer,
): RefusalHandler {
  return notifySenderOfRefusal(deps, {
    messageId: message.mail.messageId,
    envelopeFrom: message.mail.envelopeFrom,
    headerFrom,
    receivedAt: message.mail.receivedAt,
    spf: message.mail.ses.spf,
    dmarc: message.mail.ses.dmarc,
    raw,
  });
}
