import { type HeaderBlock, headerValues } from '../../../mime/raw-message.ts';

/**
 * The core of an RFC 5322 date-time (§3.3, with the obsolete two-digit year of §4.3):
 * optional weekday, day, month name, year, time; or the asctime order some MTAs write
 * (`Wed Aug 28 10:45:49 2002 +0100`). Anchored, no quantified groups: linear.
 */
export const DATE_CORE =
  /^(?:[A-Za-z]{3},?\s+)?(?:\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}|[A-Za-z]{3}\s+\d{1,2})\s+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d{1,6})?/;
const ZONE = /^(?:[+-]\d{2}:?\d{2}|[A-Za-z]{1,5}|\d{4})$/;

/**
 * Whether `text` is an RFC 5322 date-time, lenient on what follows the time: numeric or
 * named zones (with or without a colon), the asctime year, and (comments), e.g.
 * `Tue, 30 Jul 2002 12:29:44 -0400 (EDT)`. Input is cut to 200 characters first.
 */
export function isRfcDate(text: string): boolean {
  const date = text.slice(0, 200).trim();
  const core = DATE_CORE.exec(date);
  if (!core) return false;
  let rest = date.slice(core[0].length);
  // Drop (comments) linearly; an unclosed one makes the date invalid.
  let open = rest.indexOf('(');
  while (open !== -1) {
    const close = rest.indexOf(')', open);
    if (close === -1) return false;
    rest = `${rest.slice(0, open)} ${rest.slice(close + 1)}`;
    open = rest.indexOf('(');
  }
  return rest
    .split(/\s/)
    .filter((token) => token !== '')
    .every((token) => ZONE.test(token));
}

export const DATE_PATTERNS: readonly RegExp[] = [DATE_CORE, ZONE];

/**
 * When the message was received, by the top-most Received field (the last hop: ours, or the
 * collecting mailbox's), in epoch milliseconds; undefined when there is none or its date
 * cannot be read.
 */
export function receivedAt(header: HeaderBlock): number | undefined {
  const top = headerValues(header, 'received')[0];
  if (top === undefined) return undefined;
  const value = top.slice(0, 1000);
  const semicolon = value.lastIndexOf(';');
  if (semicolon === -1) return undefined;
  const date = value.slice(semicolon + 1).trim();
  if (!isRfcDate(date)) return undefined;
  const time = Date.parse(date);
  return Number.isFinite(time) ? time : undefined;
}
