/**
 * The charsets whose text we edit: those we can decode and encode again byte for byte.
 * Text in any other charset (ISO-2022-JP, Shift_JIS, UTF-16...) is left alone rather than
 * risk changing a byte of it.
 *
 * Besides UTF-8, US-ASCII, ISO-8859-1 and windows-1252 (handled by hand: the WHATWG decoder
 * reads ISO-8859-1 as windows-1252), the single-byte charsets European and Cyrillic
 * marketing mail is written in are supported through tables read once from the runtime's
 * decoder (ICU): every byte maps to one character and back. Bytes a table leaves undefined
 * make the text undecodable, and it is left alone.
 */

export type Charset = 'utf-8' | 'us-ascii' | 'iso-8859-1' | 'windows-1252' | SingleByteCharset;

/** A single-byte, ASCII-compatible charset as a byte ↔ code point table. */
export interface SingleByteCharset {
  readonly name: string;
  /** Code point of each byte 0x80-0xFF, or -1 where the charset defines none. */
  readonly high: readonly number[];
  readonly reverse: ReadonlyMap<number, number>;
}

const CHARSET_LABELS: ReadonlyMap<string, Charset | string> = new Map<string, Charset | string>([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['us-ascii', 'us-ascii'],
  ['ascii', 'us-ascii'],
  ['ansi_x3.4-1968', 'us-ascii'],
  ['iso646-us', 'us-ascii'],
  ['iso-8859-1', 'iso-8859-1'],
  ['iso8859-1', 'iso-8859-1'],
  ['iso_8859-1', 'iso-8859-1'],
  ['iso_8859-1:1987', 'iso-8859-1'],
  ['latin1', 'iso-8859-1'],
  ['l1', 'iso-8859-1'],
  ['iso-ir-100', 'iso-8859-1'],
  ['cp819', 'iso-8859-1'],
  ['ibm819', 'iso-8859-1'],
  ['windows-1252', 'windows-1252'],
  ['cp1252', 'windows-1252'],
  ['x-cp1252', 'windows-1252'],
  // Table-driven (see SingleByteCharset): the value is the decoder's label.
  ['latin2', 'iso-8859-2'],
  ['latin3', 'iso-8859-3'],
  ['latin4', 'iso-8859-4'],
  ['cyrillic', 'iso-8859-5'],
  ['greek', 'iso-8859-7'],
  ['latin5', 'iso-8859-9'],
  ['latin6', 'iso-8859-10'],
  ['latin9', 'iso-8859-15'],
  ['koi8-r', 'koi8-r'],
  ['koi8-u', 'koi8-u'],
]);

/** ISO-8859-n (n = 2-16 but 12) and windows-125n (n = 0-8) under their usual spellings. */
const NUMBERED = /^(?:iso[-_]?8859[-_](\d{1,2})(?::\d{4})?|(?:windows-|cp|x-cp)(125[0-8]))$/;

const tables = new Map<string, SingleByteCharset | undefined>();

/** The table for a decoder label, read once; undefined if the runtime lacks it or it is not single-byte ASCII. */
function singleByte(label: string): SingleByteCharset | undefined {
  if (tables.has(label)) return tables.get(label);
  let table: SingleByteCharset | undefined;
  try {
    const decoder = new TextDecoder(label);
    const high: number[] = [];
    const reverse = new Map<number, number>();
    let ascii = true;
    for (let byte = 0; byte < 0x100; byte++) {
      const text = decoder.decode(Uint8Array.of(byte));
      const code = text.length === 1 && text !== '\ufffd' ? text.charCodeAt(0) : -1;
      if (byte < 0x80) ascii &&= code === byte;
      else {
        high.push(code);
        if (code !== -1 && !reverse.has(code)) reverse.set(code, byte);
      }
    }
    if (ascii) table = { name: label, high, reverse };
  } catch {
    table = undefined;
  }
  tables.set(label, table);
  return table;
}

/** The charset a label names (RFC 2046 §4.1.2: case-insensitive), if we support it. */
export function readCharset(label: string): Charset | undefined {
  const key = label.trim().toLowerCase();
  const known = CHARSET_LABELS.get(key);
  if (known === 'utf-8' || known === 'us-ascii' || known === 'iso-8859-1' || known === 'windows-1252')
    return known;
  if (typeof known === 'string') return singleByte(known);
  const numbered = NUMBERED.exec(key);
  if (!numbered) return undefined;
  if (numbered[1] !== undefined) {
    const n = Number(numbered[1]);
    return n >= 2 && n <= 16 && n !== 12 ? singleByte(`iso-8859-${n}`) : undefined;
  }
  return numbered[2] === '1252' ? 'windows-1252' : singleByte(`windows-${numbered[2]}`);
}

/**
 * windows-1252 bytes 0x80-0x9F. The five bytes the code page leaves undefined map to the C1
 * control of the same value (as the WHATWG Encoding Standard does), so every byte round-trips.
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];
const CP1252_REVERSE: ReadonlyMap<number, number> = new Map(CP1252_HIGH.map((code, i) => [code, 0x80 + i]));

/** Decodes bytes exactly, or returns undefined when they are not valid in the charset. */
export function decodeCharset(bytes: Uint8Array, charset: Charset): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (typeof charset === 'object') {
    let out = '';
    for (const byte of buffer) {
      if (byte < 0x80) out += String.fromCharCode(byte);
      else {
        const code = charset.high[byte - 0x80] as number;
        if (code === -1) return undefined;
        out += String.fromCharCode(code);
      }
    }
    return out;
  }
  switch (charset) {
    case 'utf-8':
      try {
        // ignoreBOM keeps a byte order mark in the text, so it is written back.
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buffer);
      } catch {
        return undefined;
      }
    case 'us-ascii':
      return buffer.every((b) => b < 0x80) ? buffer.toString('latin1') : undefined;
    case 'iso-8859-1':
      return buffer.toString('latin1');
    case 'windows-1252':
      return buffer
        .toString('latin1')
        .replace(/[\u0080-\u009f]/g, (c) =>
          String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80] as number),
        );
  }
}

/** Whether the charset has the code point, so it can be written without an escape. */
export function canEncode(codePoint: number, charset: Charset): boolean {
  if (typeof charset === 'object') return codePoint < 0x80 || charset.reverse.has(codePoint);
  switch (charset) {
    case 'utf-8':
      return codePoint < 0xd800 || (codePoint > 0xdfff && codePoint <= 0x10ffff);
    case 'us-ascii':
      return codePoint < 0x80;
    case 'iso-8859-1':
      return codePoint <= 0xff;
    case 'windows-1252':
      return codePoint < 0x80 || (codePoint >= 0xa0 && codePoint <= 0xff) || CP1252_REVERSE.has(codePoint);
  }
}

/** Encodes text; a character the charset lacks (see `canEncode`) becomes `?`. */
export function encodeCharset(text: string, charset: Charset): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const out = Buffer.alloc(text.length);
  let o = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (!canEncode(code, charset)) out[o++] = 0x3f;
    else if (typeof charset === 'object')
      out[o++] = code < 0x80 ? code : (charset.reverse.get(code) as number);
    else if (charset === 'windows-1252' && code >= 0x80) out[o++] = CP1252_REVERSE.get(code) ?? code;
    else out[o++] = code;
  }
  return out.subarray(0, o);
}

/**
 * Text safe to put into HTML in this charset: characters it lacks become numeric character
 * references, which every HTML reader understands whatever the charset.
 */
export function toCharsetSafeHtml(html: string, charset: Charset): string {
  if (charset === 'utf-8') return html;
  let out = '';
  for (const char of html) {
    const code = char.codePointAt(0) as number;
    out += canEncode(code, charset) ? char : `&#${code};`;
  }
  return out;
}

/**
 * Plain text safe in this charset: accents the charset lacks are dropped (é → e, by Unicode
 * decomposition), and what remains unrepresentable becomes `?`.
 */
export function toCharsetSafeText(text: string, charset: Charset): string {
  if (charset === 'utf-8') return text;
  let out = '';
  for (const char of text) {
    if (canEncode(char.codePointAt(0) as number, charset)) {
      out += char;
      continue;
    }
    const base = char.normalize('NFKD').replace(/\p{M}+/gu, '');
    out += [...base].every((c) => canEncode(c.codePointAt(0) as number, charset)) && base !== '' ? base : '?';
  }
  return out;
}
