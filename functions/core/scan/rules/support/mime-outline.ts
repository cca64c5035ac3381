import { type HeaderBlock, headerValues, readHeaderBlock } from '../../../mime/raw-message.ts';

/**
 * The MIME tree as written, read from the raw bytes for the structure rules: each part's
 * declared type, charset, transfer encoding and size, and what is wrong with the framing.
 * mailparser repairs broken structure silently; spam relies on that, so the rules look at
 * the bytes instead. Linear (indexOf over a latin1 view), bounded in bytes, parts and depth.
 */
export interface MimeOutline {
  readonly parts: readonly MimePart[];
  /** A multipart type with no boundary parameter. */
  readonly missingBoundary: boolean;
  /** A declared boundary that never occurs in the body. */
  readonly boundaryNotFound: boolean;
  /** A multipart body without its closing `--boundary--` line. */
  readonly unterminated: boolean;
  /** A Content-Transfer-Encoding other than 7bit, 8bit, binary, quoted-printable, base64. */
  readonly unknownEncoding: boolean;
  /** The outline stopped at a bound (bytes, parts or depth). */
  readonly truncated: boolean;
}

export interface MimePart {
  /** Lowercased `type/subtype`; `text/plain` when not declared (RFC 2045 §5.2). */
  readonly contentType: string;
  /** Lowercased charset parameter, '' when absent. */
  readonly charset: string;
  /** Lowercased Content-Transfer-Encoding, '' when absent. */
  readonly encoding: string;
  /** Content-Disposition is attachment, or the part has a file name. */
  readonly attachment: boolean;
  readonly filename: string;
  /** Body bytes of the part (as written, before decoding). */
  readonly size: number;
  readonly depth: number;
  /** Leaf parts only: multipart containers are listed too, with `leaf: false`. */
  readonly leaf: boolean;
}

export const MAX_OUTLINE_BYTES = 2 * 1024 * 1024;
const MAX_PARTS = 100;
const MAX_DEPTH = 6;
const MAX_PARAM_VALUE = 200;
const KNOWN_ENCODINGS = new Set(['', '7bit', '8bit', 'binary', 'quoted-printable', 'base64']);

export function readMimeOutline(raw: Uint8Array): MimeOutline {
  const limit = Math.min(raw.byteLength, MAX_OUTLINE_BYTES);
  const text = Buffer.from(raw.buffer, raw.byteOffset, limit).toString('latin1');
  const state = {
    parts: [] as MimePart[],
    missingBoundary: false,
    boundaryNotFound: false,
    unterminated: false,
    unknownEncoding: false,
    truncated: raw.byteLength > limit,
  };
  const skip = mboxFromLineLength(text);
  const top = readHeaderBlock(raw.subarray(skip, limit));
  visit(text, top, skip + top.bodyStart, text.length, 0, state);
  return state;
}

interface State {
  parts: MimePart[];
  missingBoundary: boolean;
  boundaryNotFound: boolean;
  unterminated: boolean;
  unknownEncoding: boolean;
  truncated: boolean;
}

function visit(
  text: string,
  header: HeaderBlock,
  bodyStart: number,
  bodyEnd: number,
  depth: number,
  state: State,
): void {
  if (state.parts.length >= MAX_PARTS || depth > MAX_DEPTH) {
    state.truncated = true;
    return;
  }
  const contentTypeValue = (headerValues(header, 'content-type')[0] ?? '').slice(0, 1000);
  const contentType = (contentTypeValue.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain';
  const encoding = (headerValues(header, 'content-transfer-encoding')[0] ?? '')
    .trim()
    .toLowerCase()
    .slice(0, 40);
  if (!KNOWN_ENCODINGS.has(encoding)) state.unknownEncoding = true;
  const disposition = (headerValues(header, 'content-disposition')[0] ?? '').slice(0, 1000);
  const filename = parameter(disposition, 'filename') || parameter(contentTypeValue, 'name');
  const multipart = contentType.startsWith('multipart/');
  state.parts.push({
    contentType,
    charset: parameter(contentTypeValue, 'charset').toLowerCase(),
    encoding,
    attachment: disposition.trim().toLowerCase().startsWith('attachment') || filename !== '',
    filename,
    size: Math.max(0, bodyEnd - bodyStart),
    depth,
    leaf: !multipart,
  });
  if (!multipart) return;
  const boundary = parameter(contentTypeValue, 'boundary');
  if (!boundary) {
    state.missingBoundary = true;
    return;
  }
  const delimiter = `--${boundary}`;
  let at = findDelimiter(text, delimiter, bodyStart, bodyEnd);
  if (at === -1) {
    state.boundaryNotFound = true;
    return;
  }
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (text.startsWith('--', afterDelimiter)) return; // closing delimiter
    const lineEnd = text.indexOf('\n', afterDelimiter);
    if (lineEnd === -1 || lineEnd >= bodyEnd) {
      state.unterminated = true;
      return;
    }
    const partStart = lineEnd + 1;
    const next = findDelimiter(text, delimiter, partStart, bodyEnd);
    const partEnd = next === -1 ? bodyEnd : next;
    const partHeader = readHeaderBlock(
      Buffer.from(text.slice(partStart, Math.min(partEnd, partStart + 64 * 1024)), 'latin1'),
    );
    // A part without a blank line after its fields has no body (readHeaderBlock says so).
    visit(text, partHeader, partStart + partHeader.bodyStart, partEnd, depth + 1, state);
    if (next === -1) {
      state.unterminated = true;
      return;
    }
    if (state.parts.length >= MAX_PARTS) {
      state.truncated = true;
      return;
    }
    at = next;
  }
}

/** The next delimiter line (`--boundary` at the start of a line) in [from, to), or -1. */
function findDelimiter(text: string, delimiter: string, from: number, to: number): number {
  let at = text.indexOf(delimiter, from);
  while (at !== -1 && at < to) {
    if (at === 0 || text.charCodeAt(at - 1) === 0x0a) return at;
    at = text.indexOf(delimiter, at + delimiter.length);
  }
  return -1;
}

/** A parameter of a structured header value (`boundary="x"`), unquoted; '' when absent. */
export function parameter(value: string, name: string): string {
  const lower = value.toLowerCase();
  let at = lower.indexOf(name);
  while (at !== -1) {
    const before = at === 0 ? ';' : lower[at - 1];
    let i = at + name.length;
    while (lower[i] === ' ' || lower[i] === '\t') i++;
    if ((before === ';' || before === ' ' || before === '\t') && lower[i] === '=') {
      i++;
      while (lower[i] === ' ' || lower[i] === '\t') i++;
      if (value[i] === '"') {
        const close = value.indexOf('"', i + 1);
        return value
          .slice(i + 1, close === -1 ? Math.min(value.length, i + 1 + MAX_PARAM_VALUE) : close)
          .slice(0, MAX_PARAM_VALUE);
      }
      let end = i;
      while (end < value.length && end - i < MAX_PARAM_VALUE && !' ;\t'.includes(value[end] as string)) end++;
      return value.slice(i, end);
    }
    at = lower.indexOf(name, at + name.length);
  }
  return '';
}

function mboxFromLineLength(text: string): number {
  if (!text.startsWith('From ')) return 0;
  const lf = text.indexOf('\n');
  return lf === -1 ? 0 : lf + 1;
}
