import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Transport, TransportFactory } from '../app/ports.ts';
import type { GraywallConfig, SmtpDeliveryConfig } from '../core/config/schema.ts';
import { SesTransport } from './ses-transport.ts';
import { type SmtpCredentialsSource, SmtpTransport, SmtpTransportFactory } from './smtp-transport.ts';

/** `credentials`: the SMTP login when `delivery.auth` is set (see smtp-credentials.ts). */
export function createTransport(
  config: GraywallConfig,
  ses: SESv2Client,
  credentials?: SmtpCredentialsSource,
): Transport {
  return config.delivery.type === 'smtp'
    ? new SmtpTransport(config.delivery, credentials)
    : new SesTransport(ses, config.delivery, config.organisation.name);
}

/**
 * Alternate hosts use the SMTP delivery's TLS settings; when delivery goes through SES,
 * they get the strict defaults (STARTTLS required, certificate verified).
 */
export function createTransportFactory(config: GraywallConfig): TransportFactory {
  const base: SmtpDeliveryConfig =
    config.delivery.type === 'smtp'
      ? config.delivery
      : {
          type: 'smtp',
          host: 'unset',
          port: 25,
          tls: 'required',
          verifyCertificate: true,
          connectTimeoutSeconds: 10,
        };
  return new SmtpTransportFactory(base);
}
