import type { ParsedMessage } from '../mime/parse-message.ts';

/**
 * What the graymail signals look at: a bounded, lowercased reading of one message, built once
 * so that every signal is a cheap lookup or one linear regex over a capped string. Nothing in
 * here can grow with the message beyond the caps below.
 */
export interface GraymailView {
  readonly message: ParsedMessage;
  /** Top-level header values by lowercased name, top first, each cut at MAX_HEADER_CHARS. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** From address, lowercased ('' when absent). */
  readonly fromAddress: string;
  readonly fromLocal: string;
  readonly fromDomain: string;
  /** The local part split at `.`, `_`, `+` and `-`: `notifications-noreply` → notifications, noreply. */
  readonly fromTokens: ReadonlySet<string>;
  /** Subject, lowercased, whitespace collapsed, cut at MAX_SUBJECT_CHARS. */
  readonly subject: string;
  /** Text body (or the text read from HTML-only mail), lowercased, cut at `maxBodyChars`. */
  readonly text: string;
  /** HTML body, lowercased, cut at `maxBodyChars`. */
  readonly html: string;
  readonly htmlShape: HtmlShape;
  /** Lowercased content types of the attachments (calendar parts land here). */
  readonly attachmentTypes: readonly string[];
}

/** Counts taken from the (capped) HTML in one forward pass. */
export interface HtmlShape {
  readonly images: number;
  readonly links: number;
  /** The first image whose tag sets a 0 or 1 pixel size or hides it: an open-tracking pixel. */
  readonly trackingPixel: string | undefined;
}

export const MAX_HEADER_CHARS = 2_000;
export const MAX_SUBJECT_CHARS = 500;
const MAX_HEADER_VALUES = 8;
const MAX_ADDRESS_CHARS = 320;
const MAX_IMG_TAG_CHARS = 1_000;
const MAX_IMAGES_INSPECTED = 500;

export function viewMessage(message: ParsedMessage, maxBodyChars: number): GraymailView {
  const headers = new Map<string, string[]>();
  for (const field of message.header.fields) {
    const values = headers.get(field.key);
    const value = field.value.slice(0, MAX_HEADER_CHARS);
    if (values === undefined) headers.set(field.key, [value]);
    else if (values.length < MAX_HEADER_VALUES) values.push(value);
  }
  const fromAddress = (message.from?.address ?? '').slice(0, MAX_ADDRESS_CHARS).toLowerCase();
  const at = fromAddress.lastIndexOf('@');
  const fromLocal = at === -1 ? fromAddress : fromAddress.slice(0, at);
  const fromDomain = at === -1 ? '' : fromAddress.slice(at + 1);
  const html = message.html.slice(0, maxBodyChars).toLowerCase();
  return {
    message,
    headers,
    fromAddress,
    fromLocal,
    fromDomain,
    fromTokens: new Set(fromLocal.split(/[._+-]/).filter((token) => token !== '')),
    subject: message.subject.slice(0, MAX_SUBJECT_CHARS).replace(/\s+/g, ' ').trim().toLowerCase(),
    text: message.text.slice(0, maxBodyChars).toLowerCase(),
    html,
    htmlShape: readHtmlShape(html),
    attachmentTypes: message.attachments.map((attachment) => attachment.contentType.toLowerCase()),
  };
}

/** First value of a header field, or undefined. */
export function header(view: GraymailView, name: string): string | undefined {
  return view.headers.get(name)?.[0];
}

/**
 * Counts `<img` and `<a` tags with indexOf (no regex over the body) and inspects at most
 * MAX_IMAGES_INSPECTED image tags, each cut at MAX_IMG_TAG_CHARS, for a tracking pixel.
 */
function readHtmlShape(html: string): HtmlShape {
  let images = 0;
  let trackingPixel: string | undefined;
  for (let at = html.indexOf('<img'); at !== -1; at = html.indexOf('<img', at + 4)) {
    images++;
    if (trackingPixel === undefined && images <= MAX_IMAGES_INSPECTED) {
      const close = html.indexOf('>', at);
      const tag = html.slice(
        at,
        close === -1 ? at + MAX_IMG_TAG_CHARS : Math.min(close, at + MAX_IMG_TAG_CHARS),
      );
      if (isTrackingPixel(tag)) trackingPixel = tag;
    }
  }
  let links = 0;
  for (let at = html.indexOf('<a'); at !== -1; at = html.indexOf('<a', at + 2)) {
    const next = html.charCodeAt(at + 2);
    if (next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d) links++;
  }
  return { images, links, trackingPixel };
}

const TINY_WIDTH = /\bwidth\s?[=:]\s?["']?[01](?:px)?(?![0-9])/;
const TINY_HEIGHT = /\bheight\s?[=:]\s?["']?[01](?:px)?(?![0-9])/;
const HIDDEN = /display\s?:\s?none|visibility\s?:\s?hidden/;

function isTrackingPixel(tag: string): boolean {
  return (TINY_WIDTH.test(tag) && TINY_HEIGHT.test(tag)) || HIDDEN.test(tag);
}
