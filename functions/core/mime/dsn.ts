import { formatRfc5322Date } from './format-date.ts';
import { type HeaderBlock, readHeaderBlock } from './raw-message.ts';

export interface DsnInput {
  /** The reporting MTA's host name (RFC 3464 §2.2.2 Reporting-MTA). */
  readonly reportingMta: string;
  /** Address the DSN is From (a postmaster/mailer-daemon address of ours). */
  readonly from: string;
  /** Envelope sender of the original message: the DSN goes to it. */
  readonly to: string;
  readonly recipients: readonly string[];
  readonly arrivalDate: Date;
  readonly date: Date;
  /** Unique token for Message-ID and the MIME boundary (no randomness in the core). */
  readonly uniqueId: string;
  /** RFC 3463 enhanced status, e.g. 5.7.1, and the human explanation (sent to the sender). */
  readonly status: string;
  readonly diagnostic: string;
  readonly original: Uint8Array;
}

const MAX_RETURNED_HEADERS = 16 * 1024;

/**
 * What a bounced sender is told unless a caller says otherwise. An outside sender learns
 * that a policy refused the message, never which one: policy names ("partner bounces",
 * "ceo strict") describe how the organisation filters mail.
 */
export const BOUNCE_EXPLANATION = "Message rejected by the recipient's mail policy";

/**
 * A delivery status notification (RFC 3464 inside an RFC 6522 multipart/report): a human
 * explanation, the machine-readable per-recipient status, and the original message's
 * header (text/rfc822-headers: enough to identify it, without sending its content back).
 */
export function composeDsn(input: DsnInput): Buffer {
  const boundary = `dsn-${input.uniqueId}`;
  const header: HeaderBlock = readHeaderBlock(input.original);
  const originalHeaders = Buffer.from(
    input.original.subarray(0, Math.min(header.bodyStart, MAX_RETURNED_HEADERS)),
  )
    .toString('latin1')
    .replace(/\r?\n/g, '\r\n')
    .trimEnd();
  // No Original-Recipient field: RFC 3464 §2.3.1 takes it from the sender's ORCPT parameter
  // (RFC 3461), which SES does not pass on, and it is not to be made up from the recipient.
  const perRecipient = input.recipients
    .map(
      (recipient) =>
        `Final-Recipient: rfc822; ${recipient}\r\nAction: failed\r\nStatus: ${input.status}\r\nDiagnostic-Code: smtp; 550 ${input.status} ${input.diagnostic}`,
    )
    .join('\r\n\r\n');
  const lines = [
    `From: Mail Delivery System <${input.from}>`,
    `To: <${input.to}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${formatRfc5322Date(input.date)}`,
    `Message-ID: <${input.uniqueId}@${input.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message could not be delivered to ${input.recipients.join(', ')}.`,
    '',
    `Reason: ${input.diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${input.reportingMta}`,
    `Arrival-Date: ${formatRfc5322Date(input.arrivalDate)}`,
    '',
    perRecipient,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    originalHeaders,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
