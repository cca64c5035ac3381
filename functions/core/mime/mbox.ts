import { ARCHIVE_PREFIX } from './mail-keys.ts';
/**
 * One message as an mbox entry (mboxrd: RFC 4155 format with `>From ` quoting that can be
 * undone): the `From ` separator line with envelope sender and date in asctime form, the
 * message with LF line endings, every line matching /^>*From / quoted with one more `>`,
 * and a blank line after it. Concatenated entries form a valid mbox file.
 */
export function toMboxEntry(raw: Uint8Array, envelopeFrom: string, received: Date): Buffer {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    .toString('latin1')
    .replace(/\r\n/g, '\n');
  const quoted = text.replace(/^(>*From )/gm, '>$1');
  const body = quoted.endsWith('\n') ? quoted : `${quoted}\n`;
  const sender = envelopeFrom && !/\s/.test(envelopeFrom) ? envelopeFrom : 'MAILER-DAEMON';
  return Buffer.from(`From ${sender} ${asctime(received)}\n${body}\n`, 'latin1');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Wed Nov 25 01:35:41 2026` (C asctime, UTC), the date form mbox separator lines use. */
function asctime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCFullYear()}`;
}

/** S3 key of a message's archive entry: one object per message under its UTC day. */
export function archiveKey(messageId: string, received: Date, policy: string): string {
  const day = received.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${ARCHIVE_PREFIX}${day}/${policy.replace(/[^A-Za-z0-9._-]/g, '_')}/${messageId}.mbox`;
}
