import { z } from 'zod';
import type { FilterAction } from '../core/config/filter-schema.ts';
import { BadRequestError } from '../core/errors.ts';
import type { GraymailCategory } from '../core/graymail/classify-graymail.ts';
import type { Reason, SesVerdicts, SpamVerdict } from '../core/scan/types.ts';

/**
 * What the pipeline knows about a received message before reading it: taken from SES's
 * receipt notification (SES publishes it to SNS after storing the mail in S3; SNS delivers
 * it raw to the inbound queue). Unlike an S3 event, it carries the SMTP envelope, so Bcc
 * recipients are not lost.
 */
export interface InboundMail {
  readonly messageId: string;
  readonly bucket: string;
  readonly key: string;
  readonly receivedAt: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly ses: SesVerdicts;
}

const verdict = z
  .object({ status: z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']) })
  .optional();

const sesReceiptNotification = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({
    timestamp: z.string(),
    source: z.string(),
    messageId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
  }),
  receipt: z.object({
    recipients: z.array(z.string()).min(1),
    spamVerdict: verdict,
    virusVerdict: verdict,
    spfVerdict: verdict,
    dkimVerdict: verdict,
    dmarcVerdict: verdict,
    action: z.object({
      type: z.literal('S3'),
      bucketName: z.string().min(1),
      objectKey: z.string().min(1),
    }),
  }),
});

/** Reads an inbound queue message. Accepts SNS raw delivery and the SNS envelope form. */
export function parseInboundNotification(body: string): InboundMail {
  let json: unknown;
  try {
    json = JSON.parse(body);
    // Without raw message delivery SNS wraps the notification: { Type, Message: "<json>" }.
    if (json && typeof json === 'object' && 'Type' in json && 'Message' in json) {
      json = JSON.parse(String((json as { Message: unknown }).Message));
    }
  } catch (error) {
    throw new BadRequestError('inbound message is not JSON', { cause: error });
  }
  const parsed = sesReceiptNotification.safeParse(json);
  if (!parsed.success) {
    throw new BadRequestError(
      `inbound message is not an SES receipt notification: ${z.prettifyError(parsed.error)}`,
    );
  }
  const { mail, receipt } = parsed.data;
  return {
    messageId: mail.messageId,
    bucket: receipt.action.bucketName,
    key: receipt.action.objectKey,
    receivedAt: new Date(mail.timestamp).toISOString(),
    envelopeFrom: mail.source,
    recipients: receipt.recipients.map((r) => r.toLowerCase()),
    ses: {
      spam: receipt.spamVerdict?.status,
      virus: receipt.virusVerdict?.status,
      spf: receipt.spfVerdict?.status,
      dkim: receipt.dkimVerdict?.status,
      dmarc: receipt.dmarcVerdict?.status,
    },
  };
}

/** The verdict passed between stages; the tracking record has the full list of reasons. */
export interface CompactVerdict {
  readonly score: number;
  readonly verdict: SpamVerdict;
  readonly reasons: readonly Reason[];
  readonly engineVersion: string;
}

export interface ScannedMessage {
  readonly v: 1;
  readonly mail: InboundMail;
  readonly scan: CompactVerdict;
  /** Message filters that matched and the checks they skip (the graymail stage honours the graymail ones). */
  readonly filters?: { readonly matched: readonly string[]; readonly skip: readonly FilterAction[] };
}

export interface ClassifiedMessage extends Omit<ScannedMessage, 'v'> {
  readonly v: 1;
  readonly graymail: { readonly category: GraymailCategory; readonly reasonIds: readonly string[] };
}

const COMPACT_REASONS = 8;

export function compactVerdict(scan: CompactVerdict): CompactVerdict {
  return {
    score: scan.score,
    verdict: scan.verdict,
    // Evidence is dropped: queue messages stay small (SQS caps at 256 KiB) and free of mail text.
    reasons: scan.reasons.slice(0, COMPACT_REASONS).map(({ evidence: _e, ...rest }) => rest),
    engineVersion: scan.engineVersion,
  };
}

/** Stage messages are produced by our own code; a malformed one is a bug, reported loudly. */
export function parseStageMessage<T extends ScannedMessage | ClassifiedMessage>(
  body: string,
  has: 'scan' | 'graymail',
): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new BadRequestError('stage message is not JSON', { cause: error });
  }
  const value = json as Partial<ClassifiedMessage>;
  if (value?.v !== 1 || !value.mail?.messageId || !value.scan || (has === 'graymail' && !value.graymail)) {
    throw new BadRequestError(
      `stage message lacks ${has === 'graymail' ? 'mail, scan or graymail' : 'mail or scan'}`,
    );
  }
  return json as T;
}
