import { isIP } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { DeliveryReceipt, OutboundMail, Transport } from '../app/ports.ts';
import type { SmtpDeliveryConfig } from '../core/config/schema.ts';
import { DeliveryError } from '../core/errors.ts';

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Relays mail to the organisation's downstream MTA over SMTP, raw bytes untouched.
 * In AWS, Lambda blocks outbound port 25: point `delivery.port` at 587 (or another port the
 * downstream host listens on), or run the action function in a VPC with a route that allows it.
 */
export class SmtpTransport implements Transport {
  readonly description: string;
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(config: SmtpDeliveryConfig) {
    this.description = `smtp://${config.host}:${config.port}`;
    const timeout = config.connectTimeoutSeconds * 1000;
    this.transporter = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      // Port 465 is implicit TLS (RFC 8314); every other port starts clear and upgrades.
      secure: config.port === 465,
      requireTLS: config.tls === 'required',
      ignoreTLS: config.tls === 'none',
      // SNI carries host names only (RFC 6066 §3), never IP literals.
      tls: {
        rejectUnauthorized: config.verifyCertificate,
        ...(isIP(config.host) ? {} : { servername: config.host }),
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: 60_000,
      ...(config.heloName ? { name: config.heloName } : {}),
    });
  }

  async deliver(mail: OutboundMail): Promise<DeliveryReceipt> {
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transporter.sendMail({
        envelope: { from: mail.envelopeFrom, to: [...mail.recipients] },
        raw: Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength),
      });
    } catch (error) {
      const e = error as SmtpError;
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
      const response = e.response ?? `${e.code ?? 'ERROR'}: ${e.message}`;
      throw new DeliveryError(`${this.description} refused the message: ${response}`, {
        cause: error,
        permanent,
        response,
      });
    }
    const rejected = info.rejected.map(address);
    return { response: info.response, accepted: info.accepted.map(address), rejected };
  }
}

function address(value: string | { address: string }): string {
  return typeof value === 'string' ? value : value.address;
}
