/**
 * Content-Transfer-Encodings (RFC 2045 §6). A part we change is decoded, edited and encoded
 * again in the same encoding; the encoders here write what RFC 2045 asks of new mail.
 */

export type TransferEncoding = '7bit' | '8bit' | 'binary' | 'quoted-printable' | 'base64';

/** The encoding a Content-Transfer-Encoding value names (default 7bit, §6.1), if known. */
export function readTransferEncoding(value: string | undefined): TransferEncoding | undefined {
  const token = (value ?? '')
    .replace(/\([^()]*\)/g, '')
    .trim()
    .toLowerCase();
  if (token === '') return '7bit';
  return token === '7bit' ||
    token === '8bit' ||
    token === 'binary' ||
    token === 'quoted-printable' ||
    token === 'base64'
    ? token
    : undefined;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const EQ = 0x3d;

/**
 * RFC 2045 §6.7. Soft line breaks (`=` at the end of a line, transport padding allowed) are
 * removed; whitespace at the end of an encoded line is transport padding and is dropped
 * (rule 3); an `=` not followed by two hex digits is kept as written (the note on rule 1).
 * Hard line breaks are kept as they are in the encoded text.
 */
export function decodeQuotedPrintable(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(bytes.length);
  let o = 0;
  let trailingLiteralSpace = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] as number;
    if (b === EQ) {
      trailingLiteralSpace = 0;
      const high = hexValue(bytes[i + 1]);
      const low = hexValue(bytes[i + 2]);
      if (high !== -1 && low !== -1) {
        out[o++] = (high << 4) | low;
        i += 3;
        continue;
      }
      let j = i + 1;
      while (j < n && (bytes[j] === SP || bytes[j] === TAB)) j++;
      if (j >= n) {
        i = n;
      } else if (bytes[j] === CR && bytes[j + 1] === LF) {
        i = j + 2;
      } else if (bytes[j] === LF) {
        i = j + 1;
      } else {
        out[o++] = EQ;
        i++;
      }
      continue;
    }
    if (b === LF || (b === CR && bytes[i + 1] === LF)) {
      o -= trailingLiteralSpace;
      trailingLiteralSpace = 0;
      if (b === CR) out[o++] = bytes[i++] as number;
      out[o++] = bytes[i++] as number;
      continue;
    }
    out[o++] = b;
    trailingLiteralSpace = b === SP || b === TAB ? trailingLiteralSpace + 1 : 0;
    i++;
  }
  o -= trailingLiteralSpace;
  return out.subarray(0, o);
}

/**
 * RFC 2045 §6.7 for text: line breaks in the content (CRLF or LF) become hard line breaks
 * written with `eol`; encoded lines are at most 76 characters, soft breaks included (rule 5).
 * A line that starts with `-`, `.` or `From ` has that character encoded, so no encoded line
 * can read as a MIME boundary delimiter (RFC 2046 §5.1.1), an SMTP end of data or an mbox
 * separator.
 */
export function encodeQuotedPrintable(bytes: Uint8Array, eol: '\r\n' | '\n'): string {
  const out: string[] = [];
  const n = bytes.length;
  let lineStart = 0;
  for (;;) {
    const lf = bytes.indexOf(LF, lineStart);
    if (lf === -1) {
      if (lineStart < n) out.push(encodeQpLine(bytes, lineStart, n, eol));
      break;
    }
    const contentEnd = lf > lineStart && bytes[lf - 1] === CR ? lf - 1 : lf;
    out.push(encodeQpLine(bytes, lineStart, contentEnd, eol), eol);
    lineStart = lf + 1;
  }
  return out.join('');
}

function encodeQpLine(bytes: Uint8Array, start: number, end: number, eol: string): string {
  let physical = '';
  const lines: string[] = [];
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    const last = i === end - 1;
    const literal = (b >= 33 && b <= 126 && b !== EQ) || ((b === SP || b === TAB) && !last);
    let token = literal ? String.fromCharCode(b) : hexToken(b);
    if (physical.length + token.length > (last ? 76 : 75)) {
      lines.push(`${physical}=`);
      physical = '';
    }
    if (physical === '' && (b === 0x2d || b === 0x2e || (b === 0x46 && startsWithFromSpace(bytes, i)))) {
      token = hexToken(b);
    }
    physical += token;
  }
  lines.push(physical);
  return lines.join(eol);
}

function startsWithFromSpace(bytes: Uint8Array, i: number): boolean {
  return bytes[i + 1] === 0x72 && bytes[i + 2] === 0x6f && bytes[i + 3] === 0x6d && bytes[i + 4] === SP;
}

function hexToken(b: number): string {
  return `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57; // lowercase: not canonical, but seen in the wild
  return -1;
}

/** RFC 2045 §6.8: characters outside the alphabet (line breaks, junk) are ignored. */
export function decodeBase64(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[^A-Za-z0-9+/]+/g, '');
  return Buffer.from(text, 'base64');
}

/** Base64 in lines of 76 characters (RFC 2045 §6.8). */
export function encodeBase64(bytes: Uint8Array, eol: '\r\n' | '\n'): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join(eol);
}
