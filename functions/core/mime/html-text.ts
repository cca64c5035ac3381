/**
 * A cheap, linear HTML reader for scanning: visible text, tag names, link targets and a few
 * counts. It is not a DOM parser and does not try to be one. Every position only moves
 * forward, no regular expression runs over the input, and the input is cut at `maxChars`,
 * so a hostile part (megabytes of `<`, unclosed quotes, ten thousand nested `<div>`s) costs
 * time linear in min(length, maxChars).
 */
export interface HtmlReading {
  /** Visible text: tags removed, script/style/comments dropped, common entities decoded. */
  readonly text: string;
  /** Lowercased names of the tags seen (opening tags only), each once. */
  readonly tags: ReadonlySet<string>;
  /** href/src/action attribute values, in order, at most `MAX_URLS`. */
  readonly urls: readonly string[];
  readonly comments: number;
  /** Numeric character references (`&#65;`, `&#x41;`): a classic filter-evasion trick. */
  readonly numericEntities: number;
  /** True when the input was longer than `maxChars` and was cut. */
  readonly truncated: boolean;
}

export const DEFAULT_MAX_HTML_CHARS = 300_000;
const MAX_URLS = 200;
const MAX_TAG_CHARS = 4_000;
const MAX_URL_CHARS = 500;

/** A Map, not an object literal: `&constructor;` must not find Object.prototype. */
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
  ['copy', '©'],
  ['reg', '®'],
  ['trade', '™'],
  ['euro', '€'],
  ['pound', '£'],
]);

/** Tags after which the text reads as a new line; the rest are inline. */
const BLOCK_TAGS = new Set(['br', 'p', 'div', 'tr', 'td', 'th', 'li', 'table', 'h1', 'h2', 'h3', 'h4', 'hr']);

export function readHtml(html: string, maxChars: number = DEFAULT_MAX_HTML_CHARS): HtmlReading {
  const truncated = html.length > maxChars;
  const input = truncated ? html.slice(0, maxChars) : html;
  const n = input.length;
  const out: string[] = [];
  const tags = new Set<string>();
  const urls: string[] = [];
  let comments = 0;
  let numericEntities = 0;
  let textStart = 0;
  let pos = 0;

  const flushText = (end: number): void => {
    if (end > textStart) out.push(input.slice(textStart, end));
  };

  while (pos < n) {
    const c = input.charCodeAt(pos);
    if (c === 0x26 /* & */) {
      const decoded = decodeEntity(input, pos);
      if (decoded) {
        flushText(pos);
        out.push(decoded.text);
        if (decoded.numeric) numericEntities++;
        pos = decoded.end;
        textStart = pos;
        continue;
      }
      pos++;
      continue;
    }
    if (c !== 0x3c /* < */) {
      pos++;
      continue;
    }
    const next = input.charCodeAt(pos + 1);
    // Comments and declarations: `<!-- ... -->`, `<!DOCTYPE ...>`.
    if (next === 0x21 /* ! */) {
      flushText(pos);
      if (input.startsWith('<!--', pos)) {
        comments++;
        const close = input.indexOf('-->', pos + 4);
        pos = close === -1 ? n : close + 3;
      } else {
        const close = input.indexOf('>', pos + 2);
        pos = close === -1 ? n : close + 1;
      }
      textStart = pos;
      continue;
    }
    const isClose = next === 0x2f; /* / */
    const nameStart = pos + (isClose ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < n && nameEnd - nameStart < 16 && isTagNameChar(input.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart) {
      // A lone `<` (as in "a < b") is text.
      pos++;
      continue;
    }
    flushText(pos);
    const name = input.slice(nameStart, nameEnd).toLowerCase();
    const tagEnd = findTagEnd(input, nameEnd);
    if (!isClose) {
      tags.add(name);
      if (urls.length < MAX_URLS) collectUrls(input.slice(nameEnd, tagEnd), urls);
    }
    pos = tagEnd < n ? tagEnd + 1 : n;
    if (!isClose && (name === 'script' || name === 'style' || name === 'title')) {
      pos = skipRawText(input, pos, name);
    }
    if (BLOCK_TAGS.has(name)) out.push('\n');
    else out.push(' ');
    textStart = pos;
  }
  flushText(n);
  return { text: out.join(''), tags, urls, comments, numericEntities, truncated };
}

function isTagNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/**
 * The `>` that closes a tag, honouring quoted attribute values, within MAX_TAG_CHARS. A tag
 * that never closes (or an unbalanced quote) ends at the bound, so scanning stays linear.
 */
function findTagEnd(input: string, from: number): number {
  const limit = Math.min(input.length, from + MAX_TAG_CHARS);
  let quote = 0;
  for (let i = from; i < limit; i++) {
    const c = input.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e /* > */) {
      return i;
    }
  }
  // Unclosed within the bound: give up on quotes and take the next plain `>` if it is near.
  const plain = input.indexOf('>', from);
  return plain !== -1 && plain < limit ? plain : limit;
}

/** Skips the raw text of script/style/title up to its closing tag (case-insensitive). */
function skipRawText(input: string, from: number, name: string): number {
  let pos = from;
  for (;;) {
    const lt = input.indexOf('</', pos);
    if (lt === -1) return input.length;
    if (input.slice(lt + 2, lt + 2 + name.length).toLowerCase() === name) {
      const close = input.indexOf('>', lt + 2);
      return close === -1 ? input.length : close + 1;
    }
    pos = lt + 2;
  }
}

const URL_ATTRIBUTES = ['href', 'src', 'action', 'background'];

function collectUrls(tagBody: string, urls: string[]): void {
  const lower = tagBody.toLowerCase();
  for (const attribute of URL_ATTRIBUTES) {
    let at = lower.indexOf(attribute);
    while (at !== -1 && urls.length < MAX_URLS) {
      let i = at + attribute.length;
      while (i < lower.length && (lower.charCodeAt(i) === 0x20 || lower.charCodeAt(i) === 0x09)) i++;
      if (lower.charCodeAt(i) === 0x3d /* = */) {
        i++;
        while (i < lower.length && (lower.charCodeAt(i) === 0x20 || lower.charCodeAt(i) === 0x09)) i++;
        const q = lower.charCodeAt(i);
        let end: number;
        if (q === 0x22 || q === 0x27) {
          i++;
          end = lower.indexOf(q === 0x22 ? '"' : "'", i);
          if (end === -1) end = lower.length;
        } else {
          end = i;
          while (end < lower.length && lower.charCodeAt(end) > 0x20 && lower.charCodeAt(end) !== 0x3e) end++;
        }
        const value = tagBody.slice(i, Math.min(end, i + MAX_URL_CHARS)).trim();
        if (value) urls.push(value);
        at = lower.indexOf(attribute, end);
      } else {
        at = lower.indexOf(attribute, i);
      }
    }
  }
}

function decodeEntity(input: string, at: number): { text: string; end: number; numeric: boolean } | null {
  const semicolon = input.indexOf(';', at + 1);
  if (semicolon === -1 || semicolon - at > 10) return null;
  const body = input.slice(at + 1, semicolon);
  if (body.charCodeAt(0) === 0x23 /* # */) {
    const hex = body.charCodeAt(1) === 0x78 || body.charCodeAt(1) === 0x58;
    const digits = body.slice(hex ? 2 : 1);
    if (!digits || !(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return null;
    const code = Number.parseInt(digits, hex ? 16 : 10);
    const text =
      code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : ' ';
    return { text, end: semicolon + 1, numeric: true };
  }
  const named = NAMED_ENTITIES.get(body.toLowerCase());
  return named === undefined ? null : { text: named, end: semicolon + 1, numeric: false };
}
