import { type HeaderBlock, headerValues, readHeaderBlock } from '../mime/raw-message.ts';

/**
 * The MIME tree of a raw message, read on the bytes themselves (RFC 2045, RFC 2046 §5.1) so
 * that a part can be replaced while every other byte stays where it was. Only offsets are
 * kept; nothing is decoded here.
 */

export interface MediaType {
  /** Lowercased, e.g. `text`, `html`. */
  readonly type: string;
  readonly subtype: string;
  /** Parameter names lowercased; values as written (unquoted, RFC 2231 continuations joined). */
  readonly params: ReadonlyMap<string, string>;
}

export interface MimeLeaf {
  /** Absolute offsets in the raw message. */
  readonly headerStart: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** The part's header fields; offsets relative to `headerStart`. */
  readonly header: HeaderBlock;
  readonly mediaType: MediaType;
  /** Content-Disposition `attachment`, or a file name given: not the message text. */
  readonly attachment: boolean;
  /** Boundaries of the enclosing multiparts, innermost last. New content must not contain them. */
  readonly boundaries: readonly string[];
}

export interface MimeLimits {
  /** Nesting depth of multiparts. Default 16. */
  readonly maxDepth: number;
  /** Parts in the whole tree, multiparts included. Default 500. */
  readonly maxParts: number;
}

export const DEFAULT_MIME_LIMITS: MimeLimits = { maxDepth: 16, maxParts: 500 };

export type MimeWalk =
  | { readonly ok: true; readonly leaves: readonly MimeLeaf[]; readonly header: HeaderBlock }
  | { readonly ok: false; readonly problem: 'PROTECTED' | 'TOO_COMPLEX'; readonly detail: string };

/**
 * Content types whose bytes a signature or encryption covers. A message that contains any of
 * them is never modified: an S/MIME (RFC 8551) or PGP/MIME (RFC 3156) signature would break,
 * and an encrypted part cannot be edited anyway.
 */
const PROTECTED_TYPES = new Set([
  'multipart/signed',
  'multipart/encrypted',
  'application/pkcs7-mime',
  'application/x-pkcs7-mime',
  'application/pkcs7-signature',
  'application/x-pkcs7-signature',
  'application/pgp-encrypted',
  'application/pgp-signature',
]);

const TEXT_PLAIN: MediaType = { type: 'text', subtype: 'plain', params: new Map([['charset', 'us-ascii']]) };
const MESSAGE_RFC822: MediaType = { type: 'message', subtype: 'rfc822', params: new Map() };

/**
 * Walks the tree from `start` (past any mbox `From ` line) and lists its leaves in order.
 * Refuses a message with a signed or encrypted part anywhere, or deeper or larger than the
 * limits (then nothing can be said about what it holds).
 */
export function walkMime(raw: Uint8Array, start = 0, limits: MimeLimits = DEFAULT_MIME_LIMITS): MimeWalk {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const leaves: MimeLeaf[] = [];
  let parts = 0;
  let problem: { problem: 'PROTECTED' | 'TOO_COMPLEX'; detail: string } | undefined;
  let topHeader: HeaderBlock | undefined;

  const visit = (
    headerStart: number,
    end: number,
    depth: number,
    boundaries: readonly string[],
    fallback: MediaType,
  ): void => {
    if (problem) return;
    parts++;
    if (parts > limits.maxParts) {
      problem = { problem: 'TOO_COMPLEX', detail: `more than ${limits.maxParts} parts` };
      return;
    }
    const header = readHeaderBlock(buffer.subarray(headerStart, end));
    topHeader ??= header;
    const bodyStart = headerStart + header.bodyStart;
    const mediaType = parseMediaType(headerValues(header, 'content-type')[0]) ?? fallback;
    const name = `${mediaType.type}/${mediaType.subtype}`;
    if (PROTECTED_TYPES.has(name)) {
      problem = { problem: 'PROTECTED', detail: name };
      return;
    }
    const boundary = mediaType.params.get('boundary');
    if (mediaType.type === 'multipart' && boundary !== undefined && isValidBoundary(boundary)) {
      if (depth >= limits.maxDepth) {
        problem = { problem: 'TOO_COMPLEX', detail: `multiparts nested deeper than ${limits.maxDepth}` };
        return;
      }
      // RFC 2046 §5.1.5: in a digest, a part without Content-Type is a message/rfc822.
      const childFallback = mediaType.subtype === 'digest' ? MESSAGE_RFC822 : TEXT_PLAIN;
      const inner = [...boundaries, boundary];
      for (const part of splitMultipart(buffer, bodyStart, end, boundary)) {
        visit(part.start, part.end, depth + 1, inner, childFallback);
        if (problem) return;
      }
      return;
    }
    const disposition = parseDisposition(headerValues(header, 'content-disposition')[0]);
    const attachment =
      disposition.type === 'attachment' || disposition.params.has('filename') || mediaType.params.has('name');
    leaves.push({ headerStart, bodyStart, bodyEnd: end, header, mediaType, attachment, boundaries });
  };

  visit(start, buffer.length, 0, [], TEXT_PLAIN);
  if (problem) return { ok: false, ...problem };
  return { ok: true, leaves, header: topHeader as HeaderBlock };
}

/** RFC 2046 §5.1.1: 1-70 characters from a restricted set, not ending in a space. */
function isValidBoundary(boundary: string): boolean {
  return /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary);
}

/**
 * The body parts between the delimiter lines of one multipart (RFC 2046 §5.1.1). The line
 * break before a delimiter belongs to the delimiter, so a part ends before it. A delimiter is
 * `--boundary` at the start of a line followed only by optional whitespace; `--boundary--`
 * closes. Without a closing delimiter, the last part runs to the end.
 */
export function splitMultipart(
  buffer: Buffer,
  start: number,
  end: number,
  boundary: string,
): Array<{ start: number; end: number }> {
  const region = buffer.subarray(start, end);
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Array<{ start: number; end: number }> = [];
  let partStart = -1;
  let search = 0;
  for (;;) {
    const at = region.indexOf(delimiter, search);
    if (at === -1) break;
    search = at + 1;
    if (at > 0 && region[at - 1] !== 0x0a) continue;
    let p = at + delimiter.length;
    const closing = region[p] === 0x2d && region[p + 1] === 0x2d;
    if (closing) p += 2;
    while (p < region.length && (region[p] === 0x20 || region[p] === 0x09)) p++;
    let next: number;
    if (p >= region.length) next = region.length;
    else if (region[p] === 0x0d && region[p + 1] === 0x0a) next = p + 2;
    else if (region[p] === 0x0a) next = p + 1;
    else if (closing) next = region.length;
    else continue; // `--boundaryX`: a longer line, not this delimiter
    if (partStart !== -1)
      parts.push({ start: start + partStart, end: start + Math.max(partStart, lineBreakStart(region, at)) });
    if (closing) return parts;
    partStart = next;
    search = next;
  }
  if (partStart !== -1) parts.push({ start: start + partStart, end });
  return parts;
}

function lineBreakStart(region: Buffer, delimiterAt: number): number {
  if (delimiterAt === 0) return 0;
  return delimiterAt >= 2 && region[delimiterAt - 2] === 0x0d ? delimiterAt - 2 : delimiterAt - 1;
}

/**
 * `type/subtype; name=value; ...` (RFC 2045 §5.1) with comments (RFC 5322 §3.2.2), quoted
 * strings, and RFC 2231 parameter continuations and charset/language-tagged values. Returns
 * undefined when there is no valid type/subtype (RFC 2045 §5.2: then the default applies).
 */
export function parseMediaType(value: string | undefined): MediaType | undefined {
  if (value === undefined) return undefined;
  const tokens = tokenize(value.slice(0, 8192));
  const type = tokens[0]?.toLowerCase();
  if (!type || tokens[1] !== '/' || !tokens[2] || !isToken(type) || !isToken(tokens[2])) return undefined;
  return { type, subtype: tokens[2].toLowerCase(), params: readParameters(tokens, 3) };
}

/** Content-Disposition (RFC 2183): the disposition type and its parameters. */
export function parseDisposition(value: string | undefined): {
  type: string;
  params: ReadonlyMap<string, string>;
} {
  if (value === undefined) return { type: '', params: new Map() };
  const tokens = tokenize(value.slice(0, 8192));
  return { type: (tokens[0] ?? '').toLowerCase(), params: readParameters(tokens, 1) };
}

/** `; name=value` pairs from token `from` on, RFC 2231 continuations and encodings applied. */
function readParameters(tokens: readonly string[], from: number): Map<string, string> {
  const pieces = new Map<string, Map<number, { text: string; extended: boolean }>>();
  const plain = new Map<string, string>();
  let i = from;
  while (i < tokens.length) {
    if (tokens[i] !== ';') {
      i++;
      continue;
    }
    const name = tokens[i + 1]?.toLowerCase();
    if (name === undefined || tokens[i + 2] !== '=' || tokens[i + 3] === undefined) {
      i++;
      continue;
    }
    const raw = tokens[i + 3] as string;
    i += 4;
    const continuation = /^(.+?)\*(\d{1,3})(\*?)$/.exec(name);
    if (continuation) {
      const key = continuation[1] as string;
      const map = pieces.get(key) ?? new Map<number, { text: string; extended: boolean }>();
      map.set(Number(continuation[2]), { text: unquote(raw), extended: continuation[3] === '*' });
      pieces.set(key, map);
    } else if (name.endsWith('*')) {
      pieces.set(name.slice(0, -1), new Map([[0, { text: unquote(raw), extended: true }]]));
    } else if (!plain.has(name)) {
      plain.set(name, unquote(raw));
    }
  }
  const params = new Map(plain);
  for (const [name, map] of pieces) {
    let joined = '';
    for (let index = 0; map.has(index); index++) {
      const piece = map.get(index) as { text: string; extended: boolean };
      let text = piece.text;
      // RFC 2231 §4: the first extended piece starts with charset'language'.
      if (piece.extended && index === 0) text = text.replace(/^[^']*'[^']*'/, '');
      joined += piece.extended ? percentDecodeLatin1(text) : text;
    }
    if (joined !== '') params.set(name, joined);
  }
  return params;
}

/** Tokens: `/`, `;`, `=`, quoted strings (kept with their quotes) and runs of other text. */
function tokenize(value: string): string[] {
  const tokens: string[] = [];
  let pos = 0;
  const n = value.length;
  while (pos < n) {
    const c = value[pos] as string;
    if (c === '(') {
      let depth = 0;
      while (pos < n) {
        const d = value[pos];
        if (d === '\\') pos++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
        pos++;
      }
      pos++;
    } else if (c === '"') {
      let end = pos + 1;
      while (end < n && value[end] !== '"') end += value[end] === '\\' ? 2 : 1;
      tokens.push(value.slice(pos, Math.min(end + 1, n)));
      pos = end + 1;
    } else if (c === '/' || c === ';' || c === '=') {
      tokens.push(c);
      pos++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      pos++;
    } else if (c === ')') {
      pos++; // an unmatched `)`: not a token, and it must not stop the scan
    } else {
      let end = pos;
      while (end < n && !'()"/;= \t\r\n'.includes(value[end] as string)) end++;
      tokens.push(value.slice(pos, end));
      pos = end;
    }
  }
  return tokens;
}

function unquote(token: string): string {
  if (!token.startsWith('"')) return token;
  const inner = token.endsWith('"') && token.length >= 2 ? token.slice(1, -1) : token.slice(1);
  return inner.replace(/\\(.)/g, '$1');
}

function isToken(text: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text);
}

function percentDecodeLatin1(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
