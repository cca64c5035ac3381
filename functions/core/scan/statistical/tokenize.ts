import { readHtml } from '../../mime/html-text.ts';
import type { ParsedMessage } from '../../mime/parse-message.ts';
import { headerValues } from '../../mime/raw-message.ts';

/**
 * Turns a message into the set of tokens the statistical classifier weighs. Tokens are
 * prefixed by where they came from (`subject:`, `from:`, `url:` ...; body words have no
 * prefix) so the same word can carry different weight in different places.
 *
 * Sources: subject words and word pairs (the words also as body words: a pitch is the same
 * pitch in the Subject); From (domain and its parents, display name, shape of the local
 * part; the display name's words also as `sender:` content tokens); Reply-To/Return-Path/
 * List-Unsubscribe/URL alignment with the From domain; the presence of a fixed set of headers
 * and the names of the sender-written ones; X-Mailer/User-Agent words; Content-Type, charset,
 * transfer encoding; Message-ID shape; the Date's zone and character shape
 * (`date:shape:Aa, 9 Aa 9 9:9:9 A -9`, see `shapeOf`); the two bottom-most (origin-side)
 * Received fields; body words and word pairs from the text and from HTML read by `readHtml`;
 * HTML tag names, comment and entity counts, and the attributes of HTML tags
 * (`html:attr:font:color=#ff0000`, `html:style:font-size:...`); URL schemes, hosts and path
 * words; attachment types; size and "shoutiness" buckets of the subject, the text and the
 * text read from HTML.
 *
 * Every token belongs to one of two parts (see `tokenPart`): `header` (what the header
 * fields say about the sender and the mail program) or `content` (subject, text, HTML,
 * links, structure). The model weighs each part with its own classifier, so the combination
 * can tell "written like spam" apart from "sent like spam".
 *
 * Deliberately left out: the top Received fields and the receiving side's delivery headers
 * (Delivered-To, X-Spam-*, X-Keywords, X-SES-*, ...). They say where the mail was collected,
 * not what it is; a classifier that learned them would learn the corpus instead of spam.
 *
 * Everything here is linear and bounded: each text is cut before it is split, no regular
 * expression runs over message text (only over short, already-cut header pieces), and at
 * most `maxTokens` distinct tokens come out.
 */
export interface TokenizerLimits {
  /** Characters of plain text (and of text read from HTML) tokenized; the rest is ignored. */
  readonly maxTextChars: number;
  /** Characters of HTML read for tags and links. */
  readonly maxHtmlChars: number;
  readonly maxTokens: number;
}

export const DEFAULT_TOKENIZER_LIMITS: TokenizerLimits = {
  maxTextChars: 60_000,
  maxHtmlChars: 150_000,
  maxTokens: 6_000,
};

const MIN_WORD = 3;
const MAX_WORD = 12;
/** Header values are short in real mail; a 1 MB Subject is cut like body text is. */
const MAX_HEADER_CHARS = 2_000;

export function tokenizeMessage(
  message: ParsedMessage,
  limits: TokenizerLimits = DEFAULT_TOKENIZER_LIMITS,
): string[] {
  const tokens = new TokenSet(limits.maxTokens);
  const hosts: string[] = [];
  addHeaderTokens(message, tokens);

  const text = cut(message.text, limits.maxTextChars);
  addWords(text, '', tokens, true);
  addShapeTokens(text, 'text', tokens);

  if (message.html) {
    const reading = readHtml(message.html, limits.maxHtmlChars);
    tokens.add(message.text.trim() === '' || !hasPlainPart(message) ? 'mime:html-only' : 'mime:html');
    for (const tag of reading.tags) tokens.add(`html:tag:${tag}`);
    addHtmlAttributeTokens(cut(message.html, limits.maxHtmlChars), tokens);
    if (reading.comments > 0) tokens.add(`html:comments:${bucket(reading.comments)}`);
    if (reading.numericEntities > 0) tokens.add(`html:numeric-entities:${bucket(reading.numericEntities)}`);
    tokens.add(`html:urls:${bucket(reading.urls.length)}`);
    for (const url of reading.urls) pushHost(hosts, addUrlTokens(url, tokens));
    addWords(cut(reading.text, limits.maxTextChars), '', tokens, true);
    addShapeTokens(cut(reading.text, limits.maxTextChars), 'html', tokens);
  } else {
    tokens.add('mime:text-only');
  }
  for (const url of findTextUrls(text)) pushHost(hosts, addUrlTokens(url, tokens));
  addAlignmentTokens(message, hosts, tokens);

  for (const attachment of message.attachments.slice(0, 20)) {
    tokens.add(`attach:type:${attachment.contentType.toLowerCase().slice(0, 60)}`);
    const name = attachment.filename?.toLowerCase() ?? '';
    const dot = name.lastIndexOf('.');
    if (dot !== -1 && name.length - dot <= 6) tokens.add(`attach:ext:${name.slice(dot + 1)}`);
  }
  tokens.add(`size:${bucket(message.size >> 10)}`);
  return tokens.values();
}

/** The two parts of the token space, each weighed by its own classifier. */
export type TokenPart = 'header' | 'content';

/**
 * Prefixes of the tokens that describe the header fields: sender, mail program, MIME
 * declaration, relay path. Subject words are content (what the message says).
 */
const HEADER_PART_PREFIXES: ReadonlySet<string> = new Set([
  'from',
  'header',
  'header-name',
  'mailer',
  'received',
  'message-id',
  'date',
  'charset',
  'content-type',
  'encoding',
  'to',
  'cc',
  'reply-to',
  'header-count',
]);

/** Which part a token belongs to: decided by its prefix alone, so training and scanning agree. */
export function tokenPart(token: string): TokenPart {
  const colon = token.indexOf(':');
  return colon > 0 && colon <= 12 && HEADER_PART_PREFIXES.has(token.slice(0, colon)) ? 'header' : 'content';
}

/**
 * A message's tokens split by part (see `tokenPart`), each list in the tokenizer's order: what
 * the scan weighs with each classifier, and what training and the retraining job fit them on.
 */
export function splitTokens(tokens: readonly string[]): Record<TokenPart, string[]> {
  const parts: Record<TokenPart, string[]> = { content: [], header: [] };
  for (const token of tokens) parts[tokenPart(token)].push(token);
  return parts;
}

function pushHost(hosts: string[], host: string | undefined): void {
  if (host && hosts.length < 300) hosts.push(host);
}

/** Insertion-ordered, capped set of tokens. */
class TokenSet {
  readonly #seen = new Set<string>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  add(token: string): void {
    if (this.#seen.size < this.#max) this.#seen.add(token);
  }
  get full(): boolean {
    return this.#seen.size >= this.#max;
  }
  values(): string[] {
    return [...this.#seen];
  }
}

function cut(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** Powers of two, so counts generalise: 0, 1, 2, 4, 8 ... */
function bucket(n: number): number {
  if (n <= 0) return 0;
  return 2 ** Math.floor(Math.log2(n));
}

function hasPlainPart(message: ParsedMessage): boolean {
  return headerValues(message.header, 'content-type').some((v) => v.toLowerCase().includes('text/plain'));
}

// ---------------------------------------------------------------------------------------
// Words

function isSpace(c: number): boolean {
  return c <= 0x20 || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200b);
}

/** Punctuation stripped from both ends of a word; `$`, `!` and `%` stay (they carry signal). */
function isEdgePunctuation(c: number): boolean {
  return (
    c === 0x2e || // .
    c === 0x2c || // ,
    c === 0x3a || // :
    c === 0x3b || // ;
    c === 0x22 || // "
    c === 0x27 || // '
    c === 0x28 || // (
    c === 0x29 || // )
    c === 0x5b || // [
    c === 0x5d || // ]
    c === 0x3c || // <
    c === 0x3e || // >
    c === 0x7b || // {
    c === 0x7d || // }
    c === 0x2a || // *
    c === 0x3f || // ?
    c === 0x2d || // -
    c === 0x5f || // _
    c === 0x3d || // =
    c === 0x7c || // |
    c === 0x2f || // /
    c === 0x5c || // \
    c === 0x60 || // `
    c === 0x23 || // #
    c === 0x7e // ~
  );
}

/**
 * Splits on white space and adds each word (lowercased, edge punctuation stripped) with the
 * given prefix. Words of 3-12 characters are kept as they are; longer ones become a
 * `skip:` token naming their first character and length band (as SpamBayes does), which
 * catches random strings without remembering each one. Addresses and URLs found here are
 * tokenized by their domains.
 */
function addWords(text: string, prefix: string, tokens: TokenSet, bigrams = false): void {
  const n = text.length;
  let pos = 0;
  let previous: string | undefined;
  while (pos < n && !tokens.full) {
    while (pos < n && isSpace(text.charCodeAt(pos))) pos++;
    const start = pos;
    while (pos < n && !isSpace(text.charCodeAt(pos))) pos++;
    if (pos > start) {
      const word = addWord(text, start, pos, prefix, tokens);
      if (bigrams && word !== undefined && previous !== undefined) tokens.add(`${prefix}${previous} ${word}`);
      previous = word;
    }
  }
}

/** Adds one word's token; returns the plain lowercased word when it was a normal word. */
function addWord(
  text: string,
  start: number,
  end: number,
  prefix: string,
  tokens: TokenSet,
): string | undefined {
  let s = start;
  let e = end;
  while (s < e && isEdgePunctuation(text.charCodeAt(s))) s++;
  while (e > s && isEdgePunctuation(text.charCodeAt(e - 1))) e--;
  const length = e - s;
  if (length < MIN_WORD) return undefined;
  if (length > 40) {
    tokens.add(`${prefix}skip:${text[s]?.toLowerCase()}${Math.min(100, Math.floor(length / 10) * 10)}`);
    return undefined;
  }
  const word = text.slice(s, e);
  const at = word.indexOf('@');
  if (at > 0 && word.indexOf('.', at) > at) {
    tokens.add(`${prefix}email`);
    addDomainTokens(word.slice(at + 1).toLowerCase(), `${prefix}email:`, tokens);
    return undefined;
  }
  if (word.includes('://') || word.startsWith('www.')) return undefined; // URLs: see findTextUrls
  const lower = word.toLowerCase();
  if (length > MAX_WORD) {
    tokens.add(`${prefix}skip:${lower[0]}${Math.floor(length / 10) * 10}`);
    return undefined;
  }
  tokens.add(prefix + lower);
  if (length >= 4 && lower !== word && word === word.toUpperCase()) tokens.add(`${prefix}caps:${lower}`);
  return lower;
}

/** Shape of a text: how shouty, how much money, how much punctuation, which scripts. */
function addShapeTokens(text: string, where: string, tokens: TokenSet): void {
  let letters = 0;
  let upper = 0;
  let bangs = 0;
  let dollars = 0;
  let latin = 0;
  let cyrillic = 0;
  let cjk = 0;
  let otherScript = 0;
  let replacement = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x61 && c <= 0x7a) letters++;
      else if (c >= 0x41 && c <= 0x5a) {
        letters++;
        upper++;
      } else if (c === 0x21) bangs++;
      else if (c === 0x24) dollars++;
    } else if (c <= 0x24f) latin++;
    else if (c >= 0x400 && c <= 0x4ff) cyrillic++;
    else if ((c >= 0x3000 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xff00 && c <= 0xffef))
      cjk++;
    else if (c === 0xfffd) replacement++;
    else if (c > 0x2000) otherScript++;
  }
  const scripts: ReadonlyArray<readonly [string, number]> = [
    ['latin-extended', latin],
    ['cyrillic', cyrillic],
    ['cjk', cjk],
    ['other', otherScript],
    ['undecodable', replacement],
  ];
  for (const [name, count] of scripts) {
    if (count > 0) tokens.add(`${where}:script:${name}:${Math.min(10, Math.ceil((count / n) * 10))}`);
  }
  if (letters === 0) {
    tokens.add(`${where}:no-letters`);
    return;
  }
  tokens.add(`${where}:upper-ratio:${Math.min(10, Math.floor((upper / letters) * 10))}`);
  tokens.add(`${where}:bangs:${bucket(bangs)}`);
  tokens.add(`${where}:dollars:${bucket(dollars)}`);
  tokens.add(`${where}:length:${bucket(n >> 6)}`);
}

// ---------------------------------------------------------------------------------------
// HTML attributes

/** Tags with attributes read for tokens, and characters of one tag read. */
const MAX_ATTRIBUTE_TAGS = 400;
const MAX_ATTRIBUTE_TAG_CHARS = 400;
const MAX_ATTRIBUTE_VALUE = 20;
/** Attributes whose value is a link or free text: only their presence is a token. */
const PRESENCE_ATTRIBUTES: ReadonlySet<string> = new Set(['href', 'src', 'action', 'alt', 'title']);

/**
 * How the HTML is dressed: `html:attr:<tag>:<name>=<value>` for each attribute of an opening
 * tag (value cut to 20 characters; links and alt text only by presence) and
 * `html:style:<property>:<value>` for each declaration of a style attribute. Big red fonts,
 * centred tables and invisible text are what bulk-mail templates are made of. A forward-only
 * scan: each tag is read at most MAX_ATTRIBUTE_TAG_CHARS far, no regular expression.
 */
function addHtmlAttributeTokens(html: string, tokens: TokenSet): void {
  const n = html.length;
  let tags = 0;
  let at = html.indexOf('<');
  while (at !== -1 && tags < MAX_ATTRIBUTE_TAGS && !tokens.full) {
    let pos = at + 1;
    const first = html.charCodeAt(pos);
    const isLetter = (first >= 0x61 && first <= 0x7a) || (first >= 0x41 && first <= 0x5a);
    if (!isLetter) {
      at = html.indexOf('<', pos);
      continue;
    }
    while (pos < n && pos - at <= 11 && isTagNameChar(html.charCodeAt(pos))) pos++;
    const limit = Math.min(n, pos + MAX_ATTRIBUTE_TAG_CHARS);
    if (pos >= n || !isSpace(html.charCodeAt(pos))) {
      at = html.indexOf('<', pos);
      continue;
    }
    let end = pos;
    while (end < limit && html.charCodeAt(end) !== 0x3e && html.charCodeAt(end) !== 0x3c) end++;
    if (end >= limit || html.charCodeAt(end) !== 0x3e) {
      at = html.indexOf('<', pos);
      continue;
    }
    tags++;
    addAttributes(html.slice(at + 1, pos).toLowerCase(), html.slice(pos, end).toLowerCase(), tokens);
    at = html.indexOf('<', end);
  }
}

function isTagNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function isAttributeNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || c === 0x2d;
}

/** Reads `name=value` pairs from a (lowercased, bounded) tag body, left to right. */
function addAttributes(tag: string, body: string, tokens: TokenSet): void {
  const n = body.length;
  let pos = 0;
  while (pos < n) {
    while (pos < n && !isAttributeNameChar(body.charCodeAt(pos))) pos++;
    const nameStart = pos;
    while (pos < n && isAttributeNameChar(body.charCodeAt(pos))) pos++;
    const name = body.slice(nameStart, pos);
    while (pos < n && isSpace(body.charCodeAt(pos))) pos++;
    if (body.charCodeAt(pos) !== 0x3d /* = */ || name.length === 0 || name.length > 20) continue;
    pos++;
    while (pos < n && isSpace(body.charCodeAt(pos))) pos++;
    const quote = body.charCodeAt(pos);
    let value: string;
    if (quote === 0x22 || quote === 0x27) {
      const close = body.indexOf(quote === 0x22 ? '"' : "'", pos + 1);
      const valueEnd = close === -1 ? n : close;
      value = body.slice(pos + 1, valueEnd);
      pos = valueEnd + 1;
    } else {
      const valueStart = pos;
      while (pos < n && !isSpace(body.charCodeAt(pos))) pos++;
      value = body.slice(valueStart, pos);
    }
    if (PRESENCE_ATTRIBUTES.has(name)) {
      tokens.add(`html:attr:${tag}:${name}`);
    } else if (name === 'style') {
      for (const declaration of value.slice(0, 200).split(';')) {
        const colon = declaration.indexOf(':');
        const property = (colon === -1 ? declaration : declaration.slice(0, colon)).trim();
        if (property) {
          const propertyValue = colon === -1 ? '' : declaration.slice(colon + 1).trim();
          tokens.add(`html:style:${property.slice(0, 20)}:${propertyValue.slice(0, MAX_ATTRIBUTE_VALUE)}`);
        }
      }
    } else if (value.length > 0) {
      tokens.add(`html:attr:${tag}:${name}=${value.slice(0, MAX_ATTRIBUTE_VALUE)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// URLs and domains

const MAX_TEXT_URLS = 100;

/** URLs written in plain text (http://, https://, www.), found by indexOf, never by regex. */
function findTextUrls(text: string): string[] {
  const urls: string[] = [];
  for (const marker of ['http://', 'https://', 'www.']) {
    let at = text.indexOf(marker);
    while (at !== -1 && urls.length < MAX_TEXT_URLS) {
      if (marker === 'www.' && at >= 3 && text.slice(at - 3, at) === '://') {
        at = text.indexOf(marker, at + marker.length);
        continue;
      }
      let end = at + marker.length;
      while (end < text.length && end - at < 300 && !isSpace(text.charCodeAt(end))) {
        const c = text.charCodeAt(end);
        if (c === 0x22 || c === 0x3c || c === 0x3e || c === 0x29) break;
        end++;
      }
      urls.push(text.slice(at, end));
      at = text.indexOf(marker, end);
    }
  }
  return urls;
}

function addUrlTokens(url: string, tokens: TokenSet): string | undefined {
  const lower = url.trim().toLowerCase();
  if (lower.startsWith('mailto:')) {
    tokens.add('url:mailto');
    const at = lower.indexOf('@');
    if (at !== -1) addDomainTokens(lower.slice(at + 1).split('?')[0] ?? '', 'url:mailto:', tokens);
    return undefined;
  }
  if (lower.startsWith('cid:')) {
    tokens.add('url:cid');
    return undefined;
  }
  let rest = lower;
  const scheme = lower.indexOf('://');
  if (scheme !== -1 && scheme < 10) {
    tokens.add(`url:scheme:${lower.slice(0, scheme)}`);
    rest = lower.slice(scheme + 3);
  } else if (!lower.startsWith('www.')) {
    tokens.add('url:relative');
    return undefined;
  }
  let hostEnd = 0;
  while (hostEnd < rest.length) {
    const c = rest.charCodeAt(hostEnd);
    if (c === 0x2f || c === 0x3f || c === 0x23) break;
    hostEnd++;
  }
  let host = rest.slice(0, hostEnd);
  const path = rest.slice(hostEnd);
  const userinfo = host.lastIndexOf('@');
  if (userinfo !== -1) {
    tokens.add('url:userinfo');
    host = host.slice(userinfo + 1);
  }
  const colon = host.indexOf(':');
  if (colon !== -1) {
    tokens.add('url:port');
    host = host.slice(0, colon);
  }
  if (isIpv4(host)) tokens.add('url:ip');
  else if (/^[0-9]+$/.test(host)) tokens.add('url:numeric-host');
  else addDomainTokens(host, 'url:', tokens);
  if (host.includes('%')) tokens.add('url:escaped-host');
  if (path.length > 1) {
    // Path words, split on the usual separators; bounded by the URL cut above.
    for (const piece of path.slice(0, 200).split(/[/?&=#.\-_+%]/)) {
      if (piece.length >= MIN_WORD && piece.length <= MAX_WORD) tokens.add(`url:path:${piece}`);
    }
  }
  return host;
}

/** The registrable part of a domain, roughly: example.com, example.co.uk. Good enough to compare. */
function orgDomain(domain: string): string {
  const labels = domain
    .toLowerCase()
    .split('.')
    .filter((label) => label.length > 0);
  const last = labels.at(-1) ?? '';
  const second = labels.at(-2) ?? '';
  const take = labels.length >= 3 && last.length === 2 && second.length <= 3 ? 3 : 2;
  return labels.slice(-take).join('.');
}

function domainOf(address: string | undefined): string {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  return at === -1
    ? ''
    : orgDomain(
        address
          .slice(at + 1)
          .replace(/[>\s]+$/, '')
          .slice(0, 200),
      );
}

/**
 * Whether the message's parts agree on who sent it: legitimate bulk mail links to and bounces
 * to its own domain; spam forges one and links to another.
 */
function addAlignmentTokens(message: ParsedMessage, hosts: readonly string[], tokens: TokenSet): void {
  const from = domainOf(message.from?.address);
  if (!from) return;
  let same = 0;
  let other = 0;
  for (const host of hosts) {
    if (orgDomain(host) === from) same++;
    else other++;
  }
  if (hosts.length > 0) {
    tokens.add(same > 0 ? 'align:url-from' : 'align:no-url-from');
    tokens.add(`align:url-other:${bucket(other)}`);
  }
  const returnPath = headerValues(message.header, 'return-path')[0];
  if (returnPath !== undefined) {
    tokens.add(
      domainOf(returnPath.slice(0, 300)) === from ? 'align:return-path' : 'align:return-path-differs',
    );
  }
  const unsubscribe = headerValues(message.header, 'list-unsubscribe')[0]?.slice(0, 500).toLowerCase();
  if (unsubscribe !== undefined) {
    tokens.add(unsubscribe.includes(from) ? 'align:unsubscribe' : 'align:unsubscribe-differs');
  }
}

/** `mail.example.co.uk` → `prefix` + each of mail.example.co.uk, example.co.uk, co.uk, uk. */
function addDomainTokens(domain: string, prefix: string, tokens: TokenSet): void {
  // Cut before the regex: the trailing-punctuation strip then runs over 100 chars at most.
  const clean = domain.slice(0, 100).replace(/[>)\]"',;]+$/, '');
  if (!clean) return;
  const labels = clean.split('.').filter((label) => label.length > 0);
  for (let i = Math.max(0, labels.length - 4); i < labels.length; i++) {
    tokens.add(`${prefix}${labels.slice(i).join('.')}`);
  }
}

function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => /^[0-9]{1,3}$/.test(part));
}

// ---------------------------------------------------------------------------------------
// Headers

/** Headers whose mere presence (or a short, normalised value) says something. */
const PRESENCE_HEADERS = [
  'in-reply-to',
  'references',
  'list-id',
  'list-unsubscribe',
  'precedence',
  'organization',
  'user-agent',
  'x-mailer',
  'x-mimeole',
  'x-priority',
  'x-msmail-priority',
  'importance',
  'mime-version',
  'reply-to',
  'sender',
  'cc',
  'message-id',
  'date',
  'content-transfer-encoding',
  'disposition-notification-to',
  'x-originating-ip',
  'x-authentication-warning',
];

function addHeaderTokens(message: ParsedMessage, tokens: TokenSet): void {
  const header = message.header;
  const subject = cut(message.subject, MAX_HEADER_CHARS);
  addWords(subject, 'subject:', tokens, true);
  // The subject's words count as body words too: a pitch is the same pitch in either place.
  addWords(subject, '', tokens);
  addShapeTokens(subject, 'subject', tokens);
  if (!subject.trim()) tokens.add('subject:empty');

  const from = message.from;
  if (!from) {
    tokens.add('from:none');
  } else {
    const address = from.address.toLowerCase().slice(0, 200);
    const at = address.lastIndexOf('@');
    const local = at === -1 ? address : address.slice(0, at);
    addDomainTokens(at === -1 ? '' : address.slice(at + 1), 'from:domain:', tokens);
    tokens.add(from.name ? 'from:has-name' : 'from:no-name');
    addWords(cut(from.name, 200), 'from:name:', tokens);
    // The display name's words for the content classifier too ("Flush Fat Away Forever").
    addWords(cut(from.name, 200), 'sender:', tokens);
    tokens.add(`from:local-digits:${bucket(countDigits(local))}`);
    tokens.add(`from:local-length:${bucket(local.length)}`);
    const replyTo = message.replyTo[0]?.address.toLowerCase();
    if (replyTo !== undefined) tokens.add(replyTo === address ? 'reply-to:same' : 'reply-to:differs');
  }
  tokens.add(`to:count:${bucket(message.to.length)}`);
  tokens.add(`cc:count:${bucket(message.cc.length)}`);

  for (const name of PRESENCE_HEADERS) {
    const value = headerValues(header, name)[0];
    if (value === undefined) {
      tokens.add(`header:no:${name}`);
    } else {
      tokens.add(`header:${name}`);
    }
  }
  for (const name of ['x-priority', 'x-msmail-priority', 'importance', 'precedence', 'mime-version']) {
    const value = headerValues(header, name)[0];
    if (value !== undefined)
      tokens.add(`header:${name}:${value.slice(0, 40).trim().toLowerCase().slice(0, 20)}`);
  }
  for (const name of ['x-mailer', 'user-agent', 'x-mimeole']) {
    const value = headerValues(header, name)[0];
    if (value !== undefined) addWords(cut(value, 200), `mailer:`, tokens);
  }
  const contentType = headerValues(header, 'content-type')[0]?.toLowerCase().slice(0, 300);
  if (contentType !== undefined) {
    tokens.add(`content-type:${(contentType.split(';')[0] ?? '').trim()}`);
    const charset = contentType.indexOf('charset=');
    if (charset !== -1) {
      const value = contentType.slice(charset + 8).replace(/^["']/, '');
      tokens.add(`charset:${(value.split(/["';\s]/)[0] ?? '').slice(0, 30)}`);
    }
  }
  const encoding = headerValues(header, 'content-transfer-encoding')[0];
  if (encoding !== undefined)
    tokens.add(`encoding:${encoding.slice(0, 40).trim().toLowerCase().slice(0, 20)}`);

  const messageId = headerValues(header, 'message-id')[0]?.trim().slice(0, 300);
  if (messageId !== undefined) {
    const at = messageId.lastIndexOf('@');
    const domain = at === -1 ? '' : messageId.slice(at + 1).replace(/>$/, '');
    if (!domain) tokens.add('message-id:no-domain');
    else if (isIpv4(domain.replace(/^\[|\]$/g, ''))) tokens.add('message-id:ip-domain');
    else if (!domain.includes('.')) tokens.add('message-id:bare-domain');
    const fromDomain = message.from?.address.toLowerCase().split('@')[1];
    if (fromDomain && domain.toLowerCase().endsWith(fromDomain)) tokens.add('message-id:from-domain');
    if (messageId.includes('$')) tokens.add('message-id:dollar');
  }
  const date = headerValues(header, 'date')[0]?.trim().slice(0, 100);
  if (date !== undefined) {
    const zone = date.split(/\s+/).find((part, i, all) => i === all.length - 1 || /^[+-]\d{4}$/.test(part));
    if (zone) tokens.add(`date:zone:${zone.slice(0, 6)}`);
    if (!/^[A-Za-z]{3},/.test(date)) tokens.add('date:no-weekday');
    tokens.add(`date:shape:${shapeOf(date)}`);
  }
  addHeaderNameTokens(message, tokens);
  addReceivedTokens(message, tokens);
  const subjectRaw = headerValues(header, 'subject')[0]?.slice(0, MAX_HEADER_CHARS);
  if (subjectRaw?.includes('=?')) {
    const start = subjectRaw.indexOf('=?') + 2;
    const charset = subjectRaw.slice(start, start + 40).split('?')[0] ?? '';
    tokens.add(`subject:encoded:${charset.toLowerCase().slice(0, 20)}`);
  }
}

/**
 * The shape of a short header value: digits as `9`, lowercase letters as `a`, capitals as `A`,
 * other characters kept, each run of one class written once, cut to 30 characters. Mail
 * programs write their Dates in shapes of their own ("Tue, 06 Aug 2002 06:50:21 PM -0400"
 * is `Aa, 9 Aa 9 9:9:9 A -9`): a bulk tool is told apart from an ordinary client without
 * remembering any one value. Reads at most 120 characters, no regular expression.
 */
function shapeOf(value: string): string {
  let shape = '';
  let last = -1;
  const n = Math.min(value.length, 120);
  for (let i = 0; i < n && shape.length < 30; i++) {
    const c = value.charCodeAt(i);
    const kind =
      c >= 0x30 && c <= 0x39 ? 0x39 : c >= 0x61 && c <= 0x7a ? 0x61 : c >= 0x41 && c <= 0x5a ? 0x41 : c;
    if (kind === last) continue;
    shape += String.fromCharCode(kind);
    last = kind;
  }
  return shape;
}

function countDigits(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) count++;
  }
  return count;
}

/**
 * Header fields added on the receiving side or by whoever collected the mail: they describe
 * the mailbox, not the message, so their names are not tokens.
 */
const RECEIVER_HEADERS = new Set([
  'received',
  'delivered-to',
  'return-path',
  'delivery-date',
  'x-original-to',
  'envelope-to',
  'x-keywords',
  'x-status',
  'status',
  'x-uid',
  'x-ses-spam-verdict',
  'x-ses-virus-verdict',
  'x-ses-receipt',
  'x-ses-dkim-signature',
  'received-spf',
  'authentication-results',
  'x-eudora2unix',
  'x-graywall-filtered',
  'x-graywall-result',
]);

function addHeaderNameTokens(message: ParsedMessage, tokens: TokenSet): void {
  const fields = message.header.fields;
  for (let i = 0; i < fields.length && i < 200; i++) {
    const key = (fields[i] as { key: string }).key;
    if (RECEIVER_HEADERS.has(key) || key.startsWith('x-spam') || key.startsWith('x-virus')) continue;
    tokens.add(`header-name:${key.slice(0, 40)}`);
  }
  tokens.add(`header-count:${bucket(fields.length)}`);
}

/**
 * The origin side of the trace: the bottom-most Received fields (the first hops the message
 * took), never the top ones (our own and the receiving MTA's). Host names, whether the
 * connecting host resolved, the /16 of the connecting IP and the protocol.
 */
function addReceivedTokens(message: ParsedMessage, tokens: TokenSet): void {
  const received = headerValues(message.header, 'received');
  const origin = received.slice(Math.max(1, received.length - 2));
  for (const raw of origin) {
    const value = raw.slice(0, 400).toLowerCase();
    if (value.includes('unknown')) tokens.add('received:unknown');
    const bracket = value.indexOf('[');
    if (bracket !== -1) {
      const close = value.indexOf(']', bracket);
      const ip = value.slice(bracket + 1, close === -1 ? bracket + 40 : close).replace(/^ipv6:/, '');
      const parts = ip.split('.');
      if (parts.length === 4) tokens.add(`received:ip16:${parts[0]}.${parts[1]}`);
    }
    const withAt = value.indexOf(' with ');
    if (withAt !== -1)
      tokens.add(`received:with:${(value.slice(withAt + 6).split(/[\s;(]/)[0] ?? '').slice(0, 20)}`);
    if (value.startsWith('from ')) {
      const helo = (value.slice(5).split(/[\s(]/)[0] ?? '').slice(0, 100);
      if (isIpv4(helo.replace(/^\[|\]$/g, ''))) tokens.add('received:helo-ip');
      else if (!helo.includes('.')) tokens.add('received:helo-bare');
      else addDomainTokens(helo, 'received:helo:', tokens);
    }
  }
}
