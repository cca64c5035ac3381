/**
 * Links and the text shown for them (`<a href="http://evil.example/">www.bank.example</a>`),
 * read linearly from HTML for the anchor-mismatch rule. Not a DOM parser: it looks for `<a`,
 * takes the href, and collects the visible text up to `</a` within a bounded window.
 */
export interface Anchor {
  readonly href: string;
  /** Visible text of the link, tags stripped, white space collapsed, cut to MAX_TEXT. */
  readonly text: string;
}

const MAX_ANCHORS = 200;
const MAX_TAG = 2_000;
const MAX_WINDOW = 2_000;
const MAX_TEXT = 200;

/** `lower` is the HTML lowercased (same length as `html`), cut by the caller. */
export function readAnchors(html: string, lower: string): Anchor[] {
  const anchors: Anchor[] = [];
  let at = lower.indexOf('<a');
  while (at !== -1 && anchors.length < MAX_ANCHORS) {
    const after = lower.charCodeAt(at + 2);
    // `<a ` or `<a\n`, not `<abbr>` or `<address>`.
    if (after !== 0x20 && after !== 0x09 && after !== 0x0a && after !== 0x0d) {
      at = lower.indexOf('<a', at + 2);
      continue;
    }
    const tagEnd = lower.indexOf('>', at);
    if (tagEnd === -1 || tagEnd - at > MAX_TAG) {
      at = lower.indexOf('<a', at + 2);
      continue;
    }
    const href = attribute(html.slice(at, tagEnd), lower.slice(at, tagEnd), 'href');
    const closeSearchEnd = Math.min(lower.length, tagEnd + MAX_WINDOW);
    let close = lower.indexOf('</a', tagEnd);
    if (close === -1 || close > closeSearchEnd) close = closeSearchEnd;
    if (href) anchors.push({ href, text: visibleText(html.slice(tagEnd + 1, close)) });
    at = lower.indexOf('<a', close);
  }
  return anchors;
}

function attribute(tag: string, lowerTag: string, name: string): string {
  let at = lowerTag.indexOf(name);
  while (at !== -1) {
    let i = at + name.length;
    while (lowerTag[i] === ' ' || lowerTag[i] === '\t' || lowerTag[i] === '\n' || lowerTag[i] === '\r') i++;
    const before = lowerTag.charCodeAt(at - 1);
    if (lowerTag[i] === '=' && (before <= 0x20 || before === 0x22 || before === 0x27)) {
      i++;
      while (lowerTag[i] === ' ' || lowerTag[i] === '\t' || lowerTag[i] === '\n' || lowerTag[i] === '\r') i++;
      const quote = tag[i];
      if (quote === '"' || quote === "'") {
        const end = tag.indexOf(quote, i + 1);
        return tag.slice(i + 1, end === -1 ? tag.length : end).trim();
      }
      let end = i;
      while (end < tag.length && tag.charCodeAt(end) > 0x20) end++;
      return tag.slice(i, end).trim();
    }
    at = lowerTag.indexOf(name, at + name.length);
  }
  return '';
}

function visibleText(fragment: string): string {
  let out = '';
  let inTag = false;
  let space = false;
  for (let i = 0; i < fragment.length && out.length < MAX_TEXT; i++) {
    const c = fragment[i] as string;
    if (inTag) {
      if (c === '>') inTag = false;
      continue;
    }
    if (c === '<') {
      inTag = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      space = out.length > 0;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out.replace(/&amp;/g, '&').replace(/&nbsp;/g, ' ');
}
