/**
 * Byte-preserving edits of a raw RFC 5322 message. Delivered mail must be the received bytes
 * plus our changes and nothing else (re-serialising through a MIME library would rewrite
 * encodings, boundaries and folding, and break DKIM signatures that cover the body).
 *
 * The header block is handled as a latin1 string: one char per byte, so indices are byte
 * offsets and non-ASCII bytes in headers (RFC 6532 UTF-8 headers) survive untouched.
 */

export interface HeaderField {
  /** Field name as written (case kept). */
  readonly name: string;
  /** Lowercased name for comparisons (field names are case-insensitive, RFC 5322 §1.2.2). */
  readonly key: string;
  /** Value with folding removed (CRLF before WSP deleted, RFC 5322 §2.2.3), leading space trimmed. */
  readonly value: string;
  /** Byte offsets of the whole field in the raw message, line break included. */
  readonly start: number;
  readonly end: number;
}

export interface HeaderBlock {
  readonly fields: readonly HeaderField[];
  /** Offset of the first body byte (after the blank line), or the message length if none. */
  readonly bodyStart: number;
  /** The message's own line ending, reused for lines we add so we never mix styles. */
  readonly eol: '\r\n' | '\n';
}

const MAX_LINE = 78; // RFC 5322 §2.1.1: lines SHOULD be no more than 78 characters.

export function readHeaderBlock(raw: Uint8Array): HeaderBlock {
  // Only the header block is decoded: a 40 MB message must not become a 40 MB string here.
  const text = toLatin1(raw.subarray(0, headerRegionEnd(raw)));
  const firstLf = text.indexOf('\n');
  const eol: '\r\n' | '\n' = firstLf > 0 && text[firstLf - 1] === '\r' ? '\r\n' : '\n';
  const fields: HeaderField[] = [];
  let pos = 0;
  let bodyStart = text.length;
  while (pos < text.length) {
    const lineEnd = nextLineEnd(text, pos);
    const line = text.slice(pos, lineEnd.contentEnd);
    if (line.length === 0) {
      bodyStart = lineEnd.next;
      break;
    }
    // Gather continuation lines (start with space or tab).
    let end = lineEnd.next;
    let content = line;
    while (end < text.length && (text[end] === ' ' || text[end] === '\t')) {
      const cont = nextLineEnd(text, end);
      content += text.slice(end, cont.contentEnd);
      end = cont.next;
    }
    const colon = content.indexOf(':');
    // A line that is no header field (no colon, a space inside the name, a continuation line
    // that belongs to no field) is skipped, and the header block still ends at the blank line,
    // as mailparser and mail readers read it. Stopping there instead would hide every field
    // below it from the rules while the recipient's mail program shows them, and we would add
    // a second Subject when tagging one.
    if (colon <= 0 || /[\s]/.test(content.slice(0, colon).trimEnd()) || /^[ \t]/.test(content)) {
      pos = end;
      continue;
    }
    const name = content.slice(0, colon).trimEnd();
    fields.push({
      name,
      key: name.toLowerCase(),
      value: content.slice(colon + 1).replace(/^[ \t]+/, ''),
      start: pos,
      end,
    });
    pos = end;
  }
  return { fields, bodyStart, eol };
}

/** All values of a header field, top first (the order trace fields were added in reverse). */
export function headerValues(block: HeaderBlock, name: string): string[] {
  const key = name.toLowerCase();
  return block.fields.filter((field) => field.key === key).map((field) => field.value);
}

/** Returns a copy of `raw` with the given fields put above the existing header block. */
export function prependHeaderFields(
  raw: Uint8Array,
  fields: ReadonlyArray<readonly [string, string]>,
): Buffer {
  const { eol } = readHeaderBlock(raw);
  const added = fields.map(([name, value]) => formatHeaderField(name, value, eol)).join('');
  // A malformed message may open with continuation lines (starting with a space or tab) that
  // belong to no field. Put in front of them, ours would swallow them (RFC 5322 §2.2.3
  // unfolding): the new fields go after them, the received bytes stay as they were.
  const at = orphanContinuationEnd(raw);
  return Buffer.concat([raw.subarray(0, at), Buffer.from(added, 'latin1'), raw.subarray(at)]);
}

/** End of the continuation lines a header block starts with (0 when it starts with a field). */
function orphanContinuationEnd(raw: Uint8Array): number {
  let at = 0;
  const limit = headerRegionEnd(raw);
  while (at < limit && (raw[at] === 0x20 || raw[at] === 0x09)) {
    const lf = raw.indexOf(0x0a, at);
    if (lf === -1 || lf + 1 > limit) return limit;
    at = lf + 1;
  }
  return at;
}

/**
 * Puts `tag` in front of the Subject, exactly as given (trailing space kept). When the
 * subject starts with an RFC 2047 encoded-word, a tag ending in a space keeps the required
 * whitespace between plain text and the encoded-word (RFC 2047 §5). A message without a
 * Subject gets one.
 */
export function prependToSubject(raw: Uint8Array, tag: string): Buffer {
  assertSafeHeaderText(tag);
  const block = readHeaderBlock(raw);
  const subject = block.fields.find((field) => field.key === 'subject');
  if (!subject) {
    return insertBeforeBody(raw, block, formatHeaderField('Subject', tag.trimEnd(), block.eol));
  }
  const text = toLatin1(raw.subarray(subject.start, subject.end));
  const colon = text.indexOf(':');
  // Keep the single space conventionally written after the colon, then insert the tag.
  const afterColon = text[colon + 1] === ' ' ? colon + 2 : colon + 1;
  const rewritten = `${text.slice(0, afterColon)}${tag}${text.slice(afterColon)}`;
  return Buffer.concat([
    raw.subarray(0, subject.start),
    Buffer.from(rewritten, 'latin1'),
    raw.subarray(subject.end),
  ]);
}

/**
 * Puts `tag` after the Subject (on its last line when folded). A message without a Subject
 * gets one.
 */
export function appendToSubject(raw: Uint8Array, tag: string): Buffer {
  assertSafeHeaderText(tag);
  const block = readHeaderBlock(raw);
  const subject = block.fields.find((field) => field.key === 'subject');
  if (!subject) {
    return insertBeforeBody(raw, block, formatHeaderField('Subject', tag.trimStart(), block.eol));
  }
  const text = toLatin1(raw.subarray(subject.start, subject.end));
  const contentEnd = text.endsWith('\r\n')
    ? text.length - 2
    : text.endsWith('\n')
      ? text.length - 1
      : text.length;
  const rewritten = `${text.slice(0, contentEnd)}${tag}${text.slice(contentEnd)}`;
  return Buffer.concat([
    raw.subarray(0, subject.start),
    Buffer.from(rewritten, 'latin1'),
    raw.subarray(subject.end),
  ]);
}

/** Folds a header field at spaces so lines stay within 78 characters where possible. */
export function formatHeaderField(name: string, value: string, eol: '\r\n' | '\n' = '\r\n'): string {
  assertSafeHeaderText(name);
  assertSafeHeaderText(value);
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new Error(`invalid header field name: ${name}`);
  const words = value.split(' ');
  const lines: string[] = [];
  let current = `${name}:`;
  for (const word of words) {
    if (current.length + 1 + word.length > MAX_LINE && current.length > name.length + 1) {
      lines.push(current);
      current = ` ${word}`;
    } else {
      current += ` ${word}`;
    }
  }
  lines.push(current);
  return lines.join(eol) + eol;
}

function insertBeforeBody(raw: Uint8Array, block: HeaderBlock, text: string): Buffer {
  const last = block.fields.at(-1);
  const at = last ? last.end : 0;
  return Buffer.concat([raw.subarray(0, at), Buffer.from(text, 'latin1'), raw.subarray(at)]);
}

/** Header text we write must never contain a line break: that would let input inject fields. */
function assertSafeHeaderText(text: string): void {
  if (/[\r\n\0]/.test(text)) throw new Error('header text must not contain line breaks or NUL');
  // Header text is written as latin1, which keeps only the low byte of a character: U+060D
  // would become CR, U+060A LF, and decoded mail text could end our field and start another.
  // Anything above U+00FF is refused (callers keep such text out, or encode it first).
  if (/[\u0100-\uffff]/.test(text)) throw new Error('header text must not contain characters above U+00FF');
}

/** Offset just past the first blank line (LF LF or LF CR LF), or the end of the message. */
function headerRegionEnd(raw: Uint8Array): number {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf[0] === 0x0a) return 1;
  if (buf[0] === 0x0d && buf[1] === 0x0a) return 2;
  const lflf = buf.indexOf('\n\n');
  const lfcrlf = buf.indexOf('\n\r\n');
  const ends = [lflf === -1 ? -1 : lflf + 2, lfcrlf === -1 ? -1 : lfcrlf + 3].filter((n) => n >= 0);
  return ends.length > 0 ? Math.min(...ends) : buf.length;
}

function nextLineEnd(text: string, from: number): { contentEnd: number; next: number } {
  const lf = text.indexOf('\n', from);
  if (lf === -1) return { contentEnd: text.length, next: text.length };
  const contentEnd = lf > from && text[lf - 1] === '\r' ? lf - 1 : lf;
  return { contentEnd, next: lf + 1 };
}

/**
 * The message with every bare CR (one not followed by LF) made a CRLF. Lines end in CRLF on
 * the wire (RFC 5322 §2.3, RFC 5321 §2.3.8), and SMTP clients, ours included, rewrite a bare
 * CR into a line break when they send: a message whose lines end in bare CRs reaches the
 * recipient as ordinary lines, but read as received it is one long header line that hides
 * its Subject, its body and any spam in it. Every stage reads the message through this, so
 * what is scanned is what is delivered. Bare LFs are left alone: every reader here splits
 * lines at LF. Returns `raw` itself when there is nothing to change.
 */
export function normalizeBareCr(raw: Buffer): Buffer {
  let cr = raw.indexOf(0x0d);
  while (cr !== -1 && raw[cr + 1] === 0x0a) cr = raw.indexOf(0x0d, cr + 2);
  if (cr === -1) return raw;
  const parts: Buffer[] = [];
  let from = 0;
  for (; cr !== -1; cr = raw.indexOf(0x0d, cr + 1)) {
    if (raw[cr + 1] === 0x0a) continue;
    parts.push(raw.subarray(from, cr), CRLF);
    from = cr + 1;
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');

function toLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Removes every header field whose lowercased name starts with `prefix` (lowercase). */
export function removeHeaderFieldsStartingWith(raw: Uint8Array, prefix: string): Buffer {
  const block = readHeaderBlock(raw);
  const matches = block.fields.filter((field) => field.key.startsWith(prefix));
  if (matches.length === 0) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const parts: Uint8Array[] = [];
  let pos = 0;
  for (const field of matches) {
    parts.push(raw.subarray(pos, field.start));
    pos = field.end;
  }
  parts.push(raw.subarray(pos));
  return Buffer.concat(parts);
}

/**
 * Replaces every occurrence of a header field with one new field (or removes them all when
 * `value` is undefined). The new field takes the place of the first occurrence; when there
 * was none it goes at the end of the header block.
 */
export function replaceHeaderField(raw: Uint8Array, name: string, value: string | undefined): Buffer {
  const block = readHeaderBlock(raw);
  const key = name.toLowerCase();
  const matches = block.fields.filter((field) => field.key === key);
  const replacement = value === undefined ? '' : formatHeaderField(name, value, block.eol);
  if (matches.length === 0) {
    return replacement ? insertBeforeBody(raw, block, replacement) : Buffer.from(raw);
  }
  const parts: Uint8Array[] = [];
  let pos = 0;
  matches.forEach((field, index) => {
    parts.push(raw.subarray(pos, field.start));
    if (index === 0 && replacement) parts.push(Buffer.from(replacement, 'latin1'));
    pos = field.end;
  });
  parts.push(raw.subarray(pos));
  return Buffer.concat(parts);
}
