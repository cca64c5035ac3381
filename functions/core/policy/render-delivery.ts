import type { GraymailResult } from '../graymail/classify-graymail.ts';
import { prependHeaderFields, prependToSubject } from '../mime/raw-message.ts';
import { formatResultHeader } from '../scan/result-header.ts';
import type { ScanResult } from '../scan/types.ts';
import type { RecipientPlan } from './plan-actions.ts';

/**
 * The bytes delivered for a recipient group: the received message with the subject tag the
 * plan asks for and our result headers on top. Nothing else changes.
 */
export function renderForDelivery(
  raw: Uint8Array,
  scan: ScanResult,
  graymail: GraymailResult | undefined,
  plan: Pick<RecipientPlan, 'prependSubject'>,
): Buffer {
  const tagged = plan.prependSubject ? prependToSubject(raw, plan.prependSubject) : Buffer.from(raw);
  const fields: Array<readonly [string, string]> = [];
  // X-Graywall-Filtered says "we scanned this": not set for mail we could not scan.
  if (scan.verdict !== 'unscannable') fields.push(['X-Graywall-Filtered', 'true']);
  fields.push(['X-Graywall-Result', formatResultHeader(scan, graymail)]);
  return prependHeaderFields(tagged, fields);
}
