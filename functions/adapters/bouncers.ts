import { randomUUID } from 'node:crypto';
import { type SESClient, SendBounceCommand } from '@aws-sdk/client-ses';
import type { BounceRequest, Bouncer, Clock, Transport } from '../app/ports.ts';
import { BOUNCE_EXPLANATION, composeDsn } from '../core/mime/dsn.ts';

/*
 * Both bouncers tell the sender the policy's own text (`request.explanation`, from its
 * bounceText) or BOUNCE_EXPLANATION, never `request.diagnostic`: ours may name the internal
 * policy that rejected the message, which an outside sender must not learn.
 */

/**
 * Bounces through SES (SendBounce, SES API v1: v2 has no equivalent). SES composes the DSN,
 * sends it from `bounceSender` (must be in a verified domain) to the original return path,
 * and accepts the call only within 24 hours of receipt.
 */
export class SesBouncer implements Bouncer {
  readonly description: string;
  private readonly ses: SESClient;
  private readonly bounceSender: string;

  constructor(ses: SESClient, bounceSender: string) {
    this.ses = ses;
    this.bounceSender = bounceSender;
    this.description = `SES SendBounce from ${bounceSender}`;
  }

  async bounce(request: BounceRequest): Promise<string> {
    const out = await this.ses.send(
      new SendBounceCommand({
        OriginalMessageId: request.messageId,
        BounceSender: this.bounceSender,
        Explanation: request.explanation ?? BOUNCE_EXPLANATION,
        BouncedRecipientInfoList: request.recipients.map((recipient) => ({
          Recipient: recipient,
          BounceType: 'ContentRejected',
        })),
      }),
    );
    return `SES sent bounce ${out.MessageId ?? ''} to <${request.envelopeFrom}>`.trim();
  }
}

/**
 * Bounces by composing an RFC 3464 DSN ourselves and sending it with the null reverse-path
 * (RFC 5321 §4.5.5: a DSN must not itself be bounced) through a transport. The local
 * gateway uses this: its transport is the local SMTP sink.
 */
export class DsnBouncer implements Bouncer {
  readonly description: string;
  private readonly transport: Transport;
  private readonly from: string;
  private readonly reportingMta: string;
  private readonly clock: Clock;

  constructor(transport: Transport, options: { from: string; reportingMta: string; clock: Clock }) {
    this.transport = transport;
    this.from = options.from;
    this.reportingMta = options.reportingMta;
    this.clock = options.clock;
    this.description = `DSN via ${transport.description}`;
  }

  async bounce(request: BounceRequest): Promise<string> {
    const dsn = composeDsn({
      reportingMta: this.reportingMta,
      from: this.from,
      to: request.envelopeFrom,
      recipients: request.recipients,
      arrivalDate: request.arrivalDate,
      date: this.clock.now(),
      uniqueId: randomUUID(),
      status: request.status,
      diagnostic: request.explanation ?? BOUNCE_EXPLANATION,
      original: request.original,
    });
    const receipt = await this.transport.deliver({
      envelopeFrom: '',
      recipients: [request.envelopeFrom],
      raw: dsn,
    });
    return `DSN sent to <${request.envelopeFrom}> via ${this.transport.description}: ${receipt.response}`;
  }
}
