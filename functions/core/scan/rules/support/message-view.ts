import { type HtmlReading, readHtml } from '../../../mime/html-text.ts';
import type { ParsedMessage } from '../../../mime/parse-message.ts';
import { type Anchor, readAnchors } from './html-anchors.ts';
import { type MimeOutline, readMimeOutline } from './mime-outline.ts';
import { addressOrgDomain, findTextUrls, type ParsedUrl, parseUrl } from './urls.ts';

/**
 * What the rules read, derived once per message and only when a rule asks (lazy): bounded,
 * normalised views of the text, the HTML, the links and the raw MIME structure. Every limit
 * is explicit, so no rule ever looks at more than these many characters.
 */
export const VIEW_LIMITS = {
  /** Visible body text read by body rules. */
  bodyChars: 100_000,
  /** HTML read by HTML and URI rules. */
  htmlChars: 200_000,
  /** Header values are cut to this before any pattern runs. */
  headerChars: 1_000,
  urls: 300,
  /** Words of the body indexed for phrase rules. */
  words: 20_000,
} as const;

export interface MessageView {
  /** Subject, cut to VIEW_LIMITS.headerChars. */
  readonly subject: string;
  /** Visible text: the text part, or the text of the HTML when there is none; white space collapsed. */
  readonly body: string;
  readonly bodyLower: string;
  /** The lowercased body split at spaces, sentence punctuation stripped from each end, bounded. */
  readonly words: readonly string[];
  /** Where each word occurs in `words` (for phrase lookups in one pass). */
  readonly wordIndex: ReadonlyMap<string, readonly number[]>;
  /** The HTML read by `readHtml`, or undefined when the message has no HTML. */
  readonly html: HtmlReading | undefined;
  /** The HTML lowercased and cut (same offsets as the cut HTML). */
  readonly htmlLower: string;
  readonly anchors: readonly Anchor[];
  /** Links in the HTML and URLs in the text, in that order, deduplicated, bounded. */
  readonly urls: readonly ParsedUrl[];
  /** Registrable domain of the From address, or ''. */
  readonly fromDomain: string;
  /** The raw MIME structure, when the raw bytes were given to the scan. */
  readonly outline: MimeOutline | undefined;
}

const views = new WeakMap<ParsedMessage, LazyView>();

/** The view of a message (memoised per message object). */
export function viewOf(message: ParsedMessage, raw?: Uint8Array): MessageView {
  let view = views.get(message);
  if (!view) {
    view = new LazyView(message);
    views.set(message, view);
  }
  if (raw && !view.raw) view.raw = raw;
  return view;
}

class LazyView implements MessageView {
  readonly #message: ParsedMessage;
  raw: Uint8Array | undefined;
  #body?: string;
  #bodyLower?: string;
  #words?: readonly string[];
  #wordIndex?: ReadonlyMap<string, readonly number[]>;
  #html?: HtmlReading | null;
  #htmlCut?: string;
  #htmlLower?: string;
  #anchors?: readonly Anchor[];
  #urls?: readonly ParsedUrl[];
  #outline?: MimeOutline | null;

  constructor(message: ParsedMessage) {
    this.#message = message;
  }

  get subject(): string {
    return this.#message.subject.slice(0, VIEW_LIMITS.headerChars);
  }

  get body(): string {
    if (this.#body === undefined) {
      const text = this.#message.text.trim() ? this.#message.text : (this.html?.text ?? '');
      // One quantifier over a single class: linear.
      this.#body = text.slice(0, VIEW_LIMITS.bodyChars).replace(/\s+/g, ' ').trim();
    }
    return this.#body;
  }

  get bodyLower(): string {
    this.#bodyLower ??= this.body.toLowerCase();
    return this.#bodyLower;
  }

  get words(): readonly string[] {
    this.#words ??= splitWords(this.bodyLower, VIEW_LIMITS.words);
    return this.#words;
  }

  get wordIndex(): ReadonlyMap<string, readonly number[]> {
    this.#wordIndex ??= indexWords(this.words);
    return this.#wordIndex;
  }

  get html(): HtmlReading | undefined {
    if (this.#html === undefined) {
      this.#html = this.#message.html ? readHtml(this.#message.html, VIEW_LIMITS.htmlChars) : null;
    }
    return this.#html ?? undefined;
  }

  get htmlLower(): string {
    this.#htmlCut ??= this.#message.html.slice(0, VIEW_LIMITS.htmlChars);
    this.#htmlLower ??= this.#htmlCut.toLowerCase();
    return this.#htmlLower;
  }

  get anchors(): readonly Anchor[] {
    if (this.#anchors === undefined) {
      const lower = this.htmlLower;
      this.#anchors = lower ? readAnchors(this.#htmlCut ?? '', lower) : [];
    }
    return this.#anchors;
  }

  get urls(): readonly ParsedUrl[] {
    if (this.#urls === undefined) {
      const seen = new Set<string>();
      const urls: ParsedUrl[] = [];
      const add = (candidate: string): void => {
        if (urls.length >= VIEW_LIMITS.urls || seen.has(candidate)) return;
        seen.add(candidate);
        const parsed = parseUrl(candidate);
        if (parsed) urls.push(parsed);
      };
      for (const url of this.html?.urls ?? []) add(url);
      for (const url of findTextUrls(this.#message.text.slice(0, VIEW_LIMITS.bodyChars))) add(url);
      this.#urls = urls;
    }
    return this.#urls;
  }

  get fromDomain(): string {
    return addressOrgDomain(this.#message.from?.address);
  }

  get outline(): MimeOutline | undefined {
    if (this.#outline === undefined && this.raw) this.#outline = readMimeOutline(this.raw);
    return this.#outline ?? undefined;
  }
}

/** Sentence punctuation that is not part of a word when it ends or starts one. */
const EDGE = '.,;:!?()[]"\'<>*';

/** Splits normalised text (single spaces) into words with edge punctuation stripped. */
export function splitWords(text: string, max: number): string[] {
  const words: string[] = [];
  let start = 0;
  while (start < text.length && words.length < max) {
    let end = text.indexOf(' ', start);
    if (end === -1) end = text.length;
    let s = start;
    let e = end;
    while (s < e && EDGE.includes(text[s] as string)) s++;
    while (e > s && EDGE.includes(text[e - 1] as string)) e--;
    if (e > s) words.push(text.slice(s, e));
    start = end + 1;
  }
  return words;
}

function indexWords(words: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const positions = index.get(word);
    if (positions) positions.push(i);
    else index.set(word, [i]);
  }
  return index;
}
