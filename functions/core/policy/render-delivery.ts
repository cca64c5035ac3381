import type { ActionSettings } from '../config/policy-schema.ts';
import type { GraymailResult } from '../graymail/classify-graymail.ts';
import { appendToSubject, prependHeaderFields, prependToSubject } from '../mime/raw-message.ts';
import { formatResultHeader } from '../scan/result-header.ts';
import type { ScanResult } from '../scan/types.ts';

export type Modifiers = Pick<ActionSettings, 'prependSubject' | 'appendSubject' | 'addHeader'>;

/**
 * The bytes delivered for a recipient group: the received message with the subject tags and
 * header the policy asks for, and our result headers on top. Nothing else changes.
 * `scan.verdict` is the verdict under the recipients' policy; `policy` names it.
 */
export function renderForDelivery(
  raw: Uint8Array,
  scan: ScanResult,
  graymail: Pick<GraymailResult, 'category'> | undefined,
  modifiers: Modifiers,
  policy?: string,
): Buffer {
  let out = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (modifiers.prependSubject) out = prependToSubject(out, modifiers.prependSubject);
  if (modifiers.appendSubject) out = appendToSubject(out, modifiers.appendSubject);
  const fields: Array<readonly [string, string]> = [];
  // X-Graywall-Filtered says "we scanned this": not set for mail we could not scan.
  if (scan.verdict !== 'unscannable') fields.push(['X-Graywall-Filtered', 'true']);
  const result = formatResultHeader(
    scan,
    graymail ? { category: graymail.category, reasons: [] } : undefined,
  );
  fields.push(['X-Graywall-Result', policy ? `${result}; policy=${policy}` : result]);
  if (modifiers.addHeader) fields.push([modifiers.addHeader.name, modifiers.addHeader.value]);
  return prependHeaderFields(out, fields);
}
