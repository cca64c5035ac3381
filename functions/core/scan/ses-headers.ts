import { type HeaderBlock, headerValues } from '../mime/raw-message.ts';
import type { SesVerdicts, VerdictStatus } from './types.ts';

const STATUSES: readonly VerdictStatus[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'];

/**
 * SES prepends its verdict headers above the message it received. A sender can forge the
 * same headers further down, so only the top-most copy of each is trusted: SES (or our local
 * gateway playing SES) always writes one above anything the sender wrote.
 */
export function readSesVerdictHeaders(header: HeaderBlock): SesVerdicts {
  return {
    spam: status(headerValues(header, 'x-ses-spam-verdict')[0]),
    virus: status(headerValues(header, 'x-ses-virus-verdict')[0]),
  };
}

function status(value: string | undefined): VerdictStatus | undefined {
  const upper = value?.trim().toUpperCase();
  return STATUSES.find((s) => s === upper);
}
