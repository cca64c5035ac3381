/**
 * A linear tokenizer for hostile HTML, enough to find start tags, their attributes (with
 * offsets, for in-place rewriting) and text, the way a browser's tokenizer would (WHATWG HTML
 * §13.2.5) on the points that matter here: comments, raw-text elements (`<body` inside a
 * script or a comment is not a body tag), quoted attribute values that contain `>`, and a tag
 * cut by the end of input, which is dropped.
 *
 * Every step moves the position forward and every search starts where the last one ended, so
 * the cost is linear in the input however it is crafted (megabytes of `<`, unclosed quotes or
 * comments, huge attributes).
 */

export interface HtmlAttribute {
  /** Lowercased name. */
  readonly name: string;
  /** Offsets of the value as written (between the quotes, if quoted). Equal when no value. */
  readonly valueStart: number;
  readonly valueEnd: number;
  /** Offsets of the whole attribute, name to end of value (quotes included). */
  readonly start: number;
  readonly end: number;
}

export interface HtmlStartTag {
  /** Lowercased tag name. */
  readonly name: string;
  /** Offset of `<`. */
  readonly start: number;
  /** Offset just after `>`. */
  readonly end: number;
  /** At most MAX_ATTRIBUTES, in order; later duplicates of a name are kept (browsers ignore them). */
  readonly attributes: readonly HtmlAttribute[];
}

export interface HtmlVisitor {
  startTag?(tag: HtmlStartTag): void;
  endTag?(name: string, start: number, end: number): void;
  /** Character data outside tags, comments and raw-text elements (entities not decoded). */
  text?(start: number, end: number): void;
}

const MAX_ATTRIBUTES = 64;
const MAX_NAME = 64;

/** Elements whose content is text up to their own end tag (WHATWG HTML §13.1.2). */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'textarea', 'title']);

export function scanHtml(html: string, visitor: HtmlVisitor): void {
  const n = html.length;
  let pos = 0;
  while (pos < n) {
    const lt = html.indexOf('<', pos);
    if (lt === -1) {
      visitor.text?.(pos, n);
      return;
    }
    const next = html.charCodeAt(lt + 1);
    if (isAsciiLetter(next)) {
      if (lt > pos) visitor.text?.(pos, lt);
      const tag = readTag(html, lt, lt + 1);
      if (tag === undefined) return; // cut by the end of input: a browser drops it
      visitor.startTag?.(tag);
      pos = tag.end;
      if (tag.name === 'plaintext') return;
      if (RAW_TEXT.has(tag.name)) pos = skipRawText(html, pos, tag.name);
      continue;
    }
    if (next === 0x2f /* / */ && isAsciiLetter(html.charCodeAt(lt + 2))) {
      if (lt > pos) visitor.text?.(pos, lt);
      const tag = readTag(html, lt, lt + 2);
      if (tag === undefined) return;
      visitor.endTag?.(tag.name, lt, tag.end);
      pos = tag.end;
      continue;
    }
    if (next === 0x21 /* ! */ || next === 0x3f /* ? */ || next === 0x2f /* / */) {
      if (lt > pos) visitor.text?.(pos, lt);
      pos = skipMarkupDeclaration(html, lt);
      continue;
    }
    // A `<` not starting a tag (as in "a < b") is text.
    visitor.text?.(pos, lt + 1);
    pos = lt + 1;
  }
}

/** Comments, doctype, CDATA, processing instructions and `</` + non-letter (bogus comments). */
function skipMarkupDeclaration(html: string, lt: number): number {
  if (html.startsWith('<!--', lt)) {
    // `<!-->` and `<!--->` close at once (abrupt-closing-of-empty-comment).
    if (html.startsWith('<!-->', lt)) return lt + 5;
    if (html.startsWith('<!--->', lt)) return lt + 6;
    let from = lt + 4;
    for (;;) {
      const dashes = html.indexOf('--', from);
      if (dashes === -1) return html.length;
      if (html.charCodeAt(dashes + 2) === 0x3e) return dashes + 3;
      if (html.startsWith('!>', dashes + 2)) return dashes + 4;
      from = dashes + 1;
    }
  }
  const gt = html.indexOf('>', lt + 2);
  return gt === -1 ? html.length : gt + 1;
}

/** Content of a raw-text element runs to `</name` followed by whitespace, `/` or `>`. */
function skipRawText(html: string, from: number, name: string): number {
  let pos = from;
  for (;;) {
    const lt = html.indexOf('</', pos);
    if (lt === -1) return html.length;
    if (matchesNameAt(html, lt + 2, name)) {
      const after = html.charCodeAt(lt + 2 + name.length);
      if (isSpace(after) || after === 0x2f || after === 0x3e || Number.isNaN(after)) return lt;
    }
    pos = lt + 2;
  }
}

/**
 * Reads a tag from `nameStart` (just after `<` or `</`) through its attributes to `>`, per the
 * attribute states of WHATWG HTML §13.2.5.32-.40. Returns undefined when the input ends first.
 */
function readTag(html: string, lt: number, nameStart: number): HtmlStartTag | undefined {
  const n = html.length;
  let pos = nameStart;
  while (
    pos < n &&
    !isSpace(html.charCodeAt(pos)) &&
    html.charCodeAt(pos) !== 0x2f &&
    html.charCodeAt(pos) !== 0x3e
  ) {
    pos++;
  }
  const name = asciiLower(html.slice(nameStart, Math.min(pos, nameStart + MAX_NAME)));
  const attributes: HtmlAttribute[] = [];
  for (;;) {
    while (pos < n && (isSpace(html.charCodeAt(pos)) || html.charCodeAt(pos) === 0x2f)) pos++;
    if (pos >= n) return undefined;
    if (html.charCodeAt(pos) === 0x3e) return { name, start: lt, end: pos + 1, attributes };
    // Attribute name: a leading `=` belongs to the name (unexpected-equals-sign...).
    const attrStart = pos;
    pos++;
    while (pos < n) {
      const c = html.charCodeAt(pos);
      if (isSpace(c) || c === 0x2f || c === 0x3e || c === 0x3d) break;
      pos++;
    }
    const attrName = asciiLower(html.slice(attrStart, Math.min(pos, attrStart + MAX_NAME)));
    let after = pos;
    while (after < n && isSpace(html.charCodeAt(after))) after++;
    let valueStart = pos;
    let valueEnd = pos;
    if (html.charCodeAt(after) === 0x3d /* = */) {
      pos = after + 1;
      while (pos < n && isSpace(html.charCodeAt(pos))) pos++;
      const q = html.charCodeAt(pos);
      if (q === 0x22 || q === 0x27) {
        const close = html.indexOf(q === 0x22 ? '"' : "'", pos + 1);
        if (close === -1) return undefined;
        valueStart = pos + 1;
        valueEnd = close;
        pos = close + 1;
      } else if (q === 0x3e) {
        valueStart = valueEnd = pos; // missing-attribute-value: the tag ends here
      } else {
        valueStart = pos;
        while (pos < n && !isSpace(html.charCodeAt(pos)) && html.charCodeAt(pos) !== 0x3e) pos++;
        valueEnd = pos;
      }
    }
    if (attributes.length < MAX_ATTRIBUTES) {
      attributes.push({ name: attrName, valueStart, valueEnd, start: attrStart, end: pos });
    }
  }
}

function matchesNameAt(html: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = html.charCodeAt(at + i);
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    if (lower !== name.charCodeAt(i)) return false;
  }
  return true;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** HTML's ASCII whitespace: tab, LF, FF, CR, space. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

/** ASCII-only lowercasing: `toLowerCase` can change the length of non-ASCII text. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/** A Map, not an object literal: `&constructor;` must not find Object.prototype. */
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
  ['shy', '\u00ad'],
  ['copy', '©'],
  ['reg', '®'],
  ['hellip', '…'],
  ['ndash', '–'],
  ['mdash', '—'],
  ['raquo', '»'],
  ['laquo', '«'],
  ['rsquo', '’'],
  ['eacute', 'é'],
  ['egrave', 'è'],
  ['agrave', 'à'],
  ['uuml', 'ü'],
  ['ouml', 'ö'],
  ['auml', 'ä'],
]);

/**
 * Decodes character references in text or an attribute value: the common named ones and all
 * numeric ones (WHATWG HTML §13.2.5.72). Unknown references stay as written. Linear.
 */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    const amp = text.indexOf('&', pos);
    if (amp === -1) break;
    out.push(text.slice(pos, amp));
    const semicolon = text.indexOf(';', amp + 1);
    const body = semicolon !== -1 && semicolon - amp <= 12 ? text.slice(amp + 1, semicolon) : '';
    const decoded = body === '' ? undefined : decodeReference(body);
    if (decoded === undefined) {
      out.push('&');
      pos = amp + 1;
    } else {
      out.push(decoded);
      pos = semicolon + 1;
    }
  }
  out.push(text.slice(pos));
  return out.join('');
}

function decodeReference(body: string): string | undefined {
  if (body.charCodeAt(0) === 0x23 /* # */) {
    const hex = body.charCodeAt(1) === 0x78 || body.charCodeAt(1) === 0x58;
    const digits = body.slice(hex ? 2 : 1);
    if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return undefined;
    const code = Number.parseInt(digits, hex ? 16 : 10);
    // Null, surrogates and out-of-range become U+FFFD, as a browser does.
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code)
      : '\ufffd';
  }
  return NAMED_ENTITIES.get(body);
}

/**
 * Escapes text for an HTML text node or a quoted attribute value. Explicit bidirectional
 * embeddings, overrides and isolates (U+202A-202E, U+2066-2069; Unicode UAX #9) are dropped:
 * in a sender's subject or name, an override reverses the rest of our line, our own words
 * ("(sender not verified)", the reason) included. Right-to-left text itself still shows as
 * written; only the invisible controls go.
 */
export function escapeHtml(text: string): string {
  return text.replace(BIDI_CONTROLS, '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The explicit bidirectional formatting characters (UAX #9 §2), dropped from text we show. */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
