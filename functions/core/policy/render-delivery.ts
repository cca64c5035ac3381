import { reservedHeaderReason } from '../config/fields.ts';
import type { ActionSettings } from '../config/policy-schema.ts';
import type { GraymailResult } from '../graymail/classify-graymail.ts';
import {
  appendToSubject,
  prependHeaderFields,
  prependToSubject,
  removeHeaderFieldsStartingWith,
} from '../mime/raw-message.ts';
import { formatResultHeader } from '../scan/result-header.ts';
import type { ScanResult } from '../scan/types.ts';
import type { ListVerdict } from './plan-actions.ts';

export type Modifiers = Pick<ActionSettings, 'prependSubject' | 'appendSubject' | 'addHeader'>;

/**
 * The bytes delivered for a recipient group: the received message with the subject tags and
 * header the policy asks for, and our result headers on top. Nothing else changes.
 * `scan.verdict` is the verdict under the recipients' policy; `policy` names it, and `list`
 * says when a safelist or blocklist entry decided it.
 */
export function renderForDelivery(
  raw: Uint8Array,
  scan: ScanResult,
  graymail: Pick<GraymailResult, 'category'> | undefined,
  modifiers: Modifiers,
  policy?: string,
  list?: ListVerdict,
  engineDisabled = false,
): Buffer {
  // X-Graywall-* fields are ours. Copies from outside (a forged result, a forged digest mark)
  // go, so that mail rules downstream and readers see only what Graywall wrote.
  let out = removeHeaderFieldsStartingWith(raw, 'x-graywall-');
  if (modifiers.prependSubject) out = prependToSubject(out, modifiers.prependSubject);
  if (modifiers.appendSubject) out = appendToSubject(out, modifiers.appendSubject);
  const fields: Array<readonly [string, string]> = [];
  // X-Graywall-Filtered says "we scanned this": not set for mail we could not scan, nor for
  // recipients whose policy switched anti-spam off (a score there would be read as a verdict).
  if (scan.verdict !== 'unscannable' && !engineDisabled) fields.push(['X-Graywall-Filtered', 'true']);
  const result = engineDisabled
    ? `verdict=not scanned; engine=disabled by policy${graymail ? `; graymail=${graymail.category}` : ''}`
    : formatResultHeader(scan, graymail ? { category: graymail.category, reasons: [] } : undefined);
  // A list entry overrides the score: say so, or "score=100; verdict=not spam" reads as a bug.
  const decided = list ? `${result}; list=${list}` : result;
  fields.push(['X-Graywall-Result', policy ? `${decided}; policy=${policy}` : decided]);
  // Config validation refuses reserved names; this also covers modifiers stored with mail
  // quarantined before it did, which a release would otherwise still add.
  if (modifiers.addHeader && reservedHeaderReason(modifiers.addHeader.name) === undefined)
    fields.push([modifiers.addHeader.name, modifiers.addHeader.value]);
  return prependHeaderFields(out, fields);
}
