import { decodeHtmlEntities, type HtmlAttribute, scanHtml } from './html-scan.ts';
import { MAX_URI_LENGTH } from './uri-safety.ts';

/**
 * Unsubscribe links in a message body: the anchors whose target or text says unsubscribe or
 * opt out, and URLs in plain text introduced as such. Senders that offer no List-Unsubscribe
 * header (or a mailto-only one) still put such a link in the footer. Not "manage preferences"
 * links: opening a preference page unsubscribes no one (so its answer must not read as
 * success), and the reader may want that page itself, so it is not rewritten either.
 *
 * Linear in the input: one tokenizer pass over the HTML, one pass over the text, and every
 * keyword test runs on a bounded window.
 */

/** Phrases in anchor text or the text just before a link; matched lowercase, whitespace collapsed. */
const TEXT_KEYWORDS = [
  'unsubscrib',
  'opt out',
  'opt-out',
  'optout',
  'stop receiving',
  'abmelden',
  'abbestellen',
  'désabonner',
  'désinscri',
  'désabonnement',
  'darse de baja',
  'cancelar suscripción',
  'afmelden',
  'uitschrijven',
  'disiscriviti',
];

/** Fragments of a link target that name an unsubscribe endpoint. */
const HREF_KEYWORDS = ['unsub', 'optout', 'opt-out', 'opt_out', 'abmelden', 'desinscri', 'desabonn'];

/** Anchor text naming a preference page (see isUnsubscribeAnchor). */
const PREFERENCES_TEXT = /\bpreferences?\b|\bsettings\b|\bmanage (?:your )?subscriptions?\b/;

/** Anchor text that only makes sense with the sentence before it ("To unsubscribe, click here"). */
const DEICTIC_TEXT = new Set(['here', 'click here', 'this link', 'link', 'hier', 'ici', 'aquí', 'qui']);

const MAX_ANCHORS = 2_000;
const MAX_ANCHOR_TEXT = 200;
const CONTEXT_CHARS = 160;
const MAX_LINKS = 10;

export interface HtmlAnchor {
  /** The href as a browser would read it: entities decoded, surrounding whitespace trimmed. */
  readonly href: string;
  /** The href attribute in the scanned HTML (offsets for rewriting). */
  readonly attribute: HtmlAttribute;
  /** Visible text of the anchor (and image alt text), normalised, at most 200 characters. */
  readonly text: string;
  /** Visible text just before the anchor, normalised, at most 160 characters. */
  readonly context: string;
}

export interface TextLink {
  readonly uri: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Every anchor (`<a>`, `<area>`) with an http(s) or mailto href, in order, at most 2,000. A
 * relative href counts when the document names a `<base href>` (HTML §4.2.3: the first one
 * applies to every link, wherever it stands): it goes where the base says.
 */
export function findHtmlAnchors(html: string): HtmlAnchor[] {
  const anchors: HtmlAnchor[] = [];
  const base = documentBase(html);
  let open: { href: string; attribute: HtmlAttribute; text: string; context: string } | undefined;
  let recent = '';
  const close = (): void => {
    if (!open) return;
    if (anchors.length < MAX_ANCHORS) anchors.push({ ...open, text: normalise(open.text) });
    open = undefined;
    // The sentence before one link does not introduce the next ("unsubscribe here. Shop here").
    recent = '';
  };
  scanHtml(html, {
    startTag(tag) {
      if (tag.name === 'a' || tag.name === 'area') {
        close();
        // An SVG link may name its target in xlink:href (SVG 1.1); href wins when both are
        // there (SVG 2 §16.2). Rewritten, it becomes a plain href, which SVG 2 reads.
        const attribute =
          tag.attributes.find((a) => a.name === 'href') ??
          (tag.name === 'a' ? tag.attributes.find((a) => a.name === 'xlink:href') : undefined);
        if (!attribute || anchors.length >= MAX_ANCHORS) return;
        const href = attributeUrl(html, attribute, base, MAX_URI_LENGTH * 2);
        if (!/^(https?:\/\/|mailto:)/i.test(href) || href.length > MAX_URI_LENGTH) return;
        open = { href, attribute, text: '', context: normalise(recent) };
        if (tag.name === 'area') {
          const alt = tag.attributes.find((a) => a.name === 'alt');
          if (alt)
            open.text = decodeHtmlEntities(
              html.slice(alt.valueStart, Math.min(alt.valueEnd, alt.valueStart + 400)),
            );
          close();
        }
      } else if (tag.name === 'img' && open && open.text.length < MAX_ANCHOR_TEXT) {
        const alt = tag.attributes.find((a) => a.name === 'alt');
        if (alt)
          open.text += ` ${decodeHtmlEntities(html.slice(alt.valueStart, Math.min(alt.valueEnd, alt.valueStart + 400)))}`;
      } else if (tag.name === 'br') {
        recent = `${recent.slice(1 - CONTEXT_CHARS)} `;
      } else if (BLOCK_TAGS.has(tag.name)) {
        // A new paragraph or cell: the text before it no longer introduces what follows.
        recent = '';
      }
    },
    endTag(name) {
      if (name === 'a') close();
    },
    text(start, end) {
      if (open && open.text.length < MAX_ANCHOR_TEXT) {
        open.text += decodeHtmlEntities(html.slice(start, Math.min(end, start + 2 * MAX_ANCHOR_TEXT)));
      }
      const tail = decodeHtmlEntities(html.slice(Math.max(start, end - 2 * CONTEXT_CHARS), end));
      recent = (recent + tail).slice(-CONTEXT_CHARS);
    },
  });
  close();
  return anchors;
}

const BLOCK_TAGS = new Set(['p', 'div', 'td', 'tr', 'li', 'table', 'h1', 'h2', 'h3', 'h4', 'hr']);

/** A `<form>` whose action is a sender's unsubscribe endpoint (its submit button unsubscribes). */
export interface HtmlUnsubscribeForm {
  readonly action: string;
  readonly actionAttribute: HtmlAttribute;
  /** Its `method` attribute, when it has one (absent means GET). */
  readonly methodAttribute?: HtmlAttribute;
}

/**
 * Forms that post to an unsubscribe endpoint: an action naming one (as for anchors), or one of
 * the message's List-Unsubscribe URIs. A button in the mail is a link like any other.
 */
export function findUnsubscribeForms(html: string, listUris: ReadonlySet<string>): HtmlUnsubscribeForm[] {
  const forms: HtmlUnsubscribeForm[] = [];
  const base = documentBase(html);
  scanHtml(html, {
    startTag(tag) {
      if (tag.name !== 'form' || forms.length >= MAX_LINKS) return;
      const actionAttribute = tag.attributes.find((a) => a.name === 'action');
      if (!actionAttribute) return;
      const action = attributeUrl(html, actionAttribute, base, MAX_URI_LENGTH);
      if (!/^https?:\/\//i.test(action)) return;
      if (!listUris.has(action) && !hasKeyword(asciiLower(action), HREF_KEYWORDS)) return;
      const methodAttribute = tag.attributes.find((a) => a.name === 'method');
      forms.push({ action, actionAttribute, ...(methodAttribute ? { methodAttribute } : {}) });
    },
  });
  return forms;
}

/** The first `<base href>` with an absolute http(s) URL, if any. */
function documentBase(html: string): string | undefined {
  let base: string | undefined;
  let seen = false;
  scanHtml(html, {
    startTag(tag) {
      if (seen || tag.name !== 'base') return;
      const attribute = tag.attributes.find((a) => a.name === 'href');
      if (!attribute) return;
      seen = true;
      const href = attributeUrl(html, attribute, undefined, MAX_URI_LENGTH);
      if (/^https?:\/\//i.test(href)) base = href;
    },
  });
  return base;
}

/**
 * A URL attribute as a browser reads it: at most `maxChars` of it, entities decoded, trimmed,
 * and a relative one resolved against the document's base when it has one.
 */
function attributeUrl(
  html: string,
  attribute: HtmlAttribute,
  base: string | undefined,
  maxChars: number,
): string {
  const written = decodeHtmlEntities(
    html.slice(attribute.valueStart, Math.min(attribute.valueEnd, attribute.valueStart + maxChars)),
  ).trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(written) || !base) return written;
  try {
    return new URL(written, base).href;
  } catch {
    return written;
  }
}

/**
 * Whether an anchor is an unsubscribe link: its target names an unsubscribe endpoint, its text
 * says so, or it is a bare "click here" right after a sentence that does. With `ownLabel` (our
 * banner's button label, see Banner), an anchor reading exactly that counts too, whatever the
 * label says: in mail that has not been through us yet it can only be a look-alike of our
 * banner.
 */
export function isUnsubscribeAnchor(
  anchor: Pick<HtmlAnchor, 'href' | 'text' | 'context'>,
  ownLabel?: string,
): boolean {
  if (ownLabel !== undefined && anchor.text !== '' && anchor.text === normalise(ownLabel)) return true;
  // "Manage preferences" pointing at .../manage-preferences/unsubscribe (HubSpot writes such
  // links) opens a preference page: the text says what the reader gets, not the path.
  if (PREFERENCES_TEXT.test(anchor.text) && !hasKeyword(anchor.text, TEXT_KEYWORDS)) return false;
  if (hasKeyword(asciiLower(anchor.href), HREF_KEYWORDS)) return true;
  if (hasKeyword(anchor.text, TEXT_KEYWORDS)) return true;
  return DEICTIC_TEXT.has(anchor.text.replace(/[.!:]+$/, '')) && hasKeyword(anchor.context, TEXT_KEYWORDS);
}

/**
 * URLs in plain text that are unsubscribe links: the URL names an unsubscribe endpoint, or
 * the text before it on its line (or the line before, when the URL starts its line) says so.
 */
export function findTextUnsubscribeLinks(text: string, maxLinks = 1_000): TextLink[] {
  const lower = asciiLower(text);
  const links: TextLink[] = [];
  let pos = 0;
  let previousEnd = 0;
  while (links.length < maxLinks) {
    const at = lower.indexOf('http', pos);
    if (at === -1) break;
    pos = at + 4;
    const rest = lower.startsWith('s://', at + 4) ? at + 8 : lower.startsWith('://', at + 4) ? at + 7 : -1;
    if (rest === -1 || (at > 0 && /[a-z0-9]/.test(lower[at - 1] as string))) continue;
    let end = rest;
    while (end < text.length && end - at <= MAX_URI_LENGTH && !URL_STOP.has(text.charCodeAt(end))) end++;
    while (end > rest && TRAILING_PUNCTUATION.has(text.charCodeAt(end - 1))) end--;
    pos = end;
    if (end - at > MAX_URI_LENGTH || end === rest) continue;
    const uri = text.slice(at, end);
    const before = contextBefore(lower, at, previousEnd);
    previousEnd = end;
    if (hasKeyword(lower.slice(at, end), HREF_KEYWORDS) || hasKeyword(before, TEXT_KEYWORDS)) {
      links.push({ uri, start: at, end });
    }
  }
  return links;
}

/**
 * The unsubscribe URIs of a message body, HTML anchors first, then text links, each once and
 * in order of appearance, at most 10: what the unsubscribe request stores beside the
 * List-Unsubscribe URIs.
 */
export function findBodyUnsubscribeLinks(body: { readonly html?: string; readonly text?: string }): string[] {
  const found = new Set<string>();
  for (const anchor of findHtmlAnchors(body.html ?? '')) {
    if (found.size >= MAX_LINKS) break;
    if (isUnsubscribeAnchor(anchor)) found.add(anchor.href);
  }
  for (const link of findTextUnsubscribeLinks(body.text ?? '', 200)) {
    if (found.size >= MAX_LINKS) break;
    found.add(link.uri);
  }
  return [...found];
}

/** Characters that end a URL in running text (RFC 3986 Appendix C: delimiting a URI). */
const URL_STOP = new Set([...' \t\r\n\f<>"\'`{}|\\^[]\u00a0'].map((c) => c.charCodeAt(0)));
const TRAILING_PUNCTUATION = new Set([...'.,;:!?)*'].map((c) => c.charCodeAt(0)));

function contextBefore(lower: string, at: number, previousEnd: number): string {
  const from = Math.max(at - CONTEXT_CHARS, previousEnd, 0);
  const window = lower.slice(from, at);
  const newline = window.lastIndexOf('\n');
  const line = newline === -1 ? window : window.slice(newline + 1);
  if (line.trim() !== '' || newline === -1) return normalise(line);
  // The URL starts its line: the line before introduces it ("To unsubscribe, visit:").
  const above = window.slice(0, newline).replace(/\r$/, '');
  return normalise(above.slice(above.lastIndexOf('\n') + 1));
}

function hasKeyword(text: string, keywords: readonly string[]): boolean {
  return keywords.some((keyword) => text.includes(keyword));
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, MAX_ANCHOR_TEXT);
}

/** ASCII-only lowercasing keeps offsets valid (`toLowerCase` can change the length). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}
