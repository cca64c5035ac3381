import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Transport } from '../app/ports.ts';
import type { GraywallConfig } from '../core/config/schema.ts';
import { SesTransport } from './ses-transport.ts';
import { SmtpTransport } from './smtp-transport.ts';

export function createTransport(config: GraywallConfig, ses: SESv2Client): Transport {
  return config.delivery.type === 'smtp'
    ? new SmtpTransport(config.delivery)
    : new SesTransport(ses, config.delivery, config.organisation.name);
}
