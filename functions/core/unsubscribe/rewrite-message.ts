import { headerValues, readHeaderBlock, replaceHeaderField } from '../mime/raw-message.ts';
import type { Banner } from './banner.ts';
import {
  findHtmlAnchors,
  findTextUnsubscribeLinks,
  findUnsubscribeForms,
  isUnsubscribeAnchor,
} from './body-links.ts';
import {
  type Charset,
  decodeCharset,
  encodeCharset,
  readCharset,
  toCharsetSafeHtml,
  toCharsetSafeText,
} from './charset.ts';
import { escapeHtml, scanHtml } from './html-scan.ts';
import { parseListUnsubscribe } from './list-unsubscribe.ts';
import { DEFAULT_MIME_LIMITS, type MimeLeaf, type MimeLimits, walkMime } from './mime-tree.ts';
import {
  decodeBase64,
  decodeQuotedPrintable,
  encodeBase64,
  encodeQuotedPrintable,
  readTransferEncoding,
} from './transfer-encoding.ts';
import { MAX_URI_LENGTH } from './uri-safety.ts';

/**
 * Puts the safe-unsubscribe banner into graymail and points its unsubscribe links at us,
 * changing the bytes of the first text/html and text/plain body parts and two header fields,
 * and nothing else: every other part, every boundary and all other header bytes stay as
 * received (raw-message.ts explains why we never re-serialise).
 */

export interface SafeUnsubscribeEdit {
  /** From `renderUnsubscribeBanner`: the HTML is inserted as it is, so it must be escaped already. */
  readonly banner: Banner;
  /** Our URL for the List-Unsubscribe header (http or https, printable ASCII). */
  readonly listUnsubscribeUrl: string;
  /**
   * Our replacement for one of the message's unsubscribe links (a List-Unsubscribe URI found
   * in the body, or a recognised unsubscribe anchor or text link). Return undefined to leave a
   * link alone. Anything but an http(s) URL of printable ASCII is ignored.
   */
  readonly replaceLink: (original: string) => string | undefined;
  readonly limits?: Partial<RewriteLimits>;
}

export interface RewriteLimits extends MimeLimits {
  /** A body part larger than this (encoded) is not edited. Default 8 MiB. */
  readonly maxPartBytes: number;
}

export const DEFAULT_REWRITE_LIMITS: RewriteLimits = {
  ...DEFAULT_MIME_LIMITS,
  maxPartBytes: 8 * 1024 * 1024,
};

/** Why a message was returned byte for byte unchanged. */
export const REWRITE_REFUSAL = {
  /** S/MIME or PGP signed or encrypted (multipart/signed, pkcs7-mime, inline PGP...). */
  SIGNED_OR_ENCRYPTED: 'SIGNED_OR_ENCRYPTED',
  /** Deeper or more parts than the limits allow. */
  MIME_TOO_COMPLEX: 'MIME_TOO_COMPLEX',
  /**
   * No header field could be read (e.g. the message opens with a continuation line): a field
   * added in front would absorb that line (RFC 5322 §2.2.3 unfolding), so nothing is edited.
   */
  MALFORMED_HEADER: 'MALFORMED_HEADER',
} as const;

export type RewriteRefusal = (typeof REWRITE_REFUSAL)[keyof typeof REWRITE_REFUSAL];

/** What happened to the HTML and to the text body part. */
export const PART_OUTCOME = {
  MODIFIED: 'MODIFIED',
  /** The message has no such part (not counting attachments). */
  ABSENT: 'ABSENT',
  /** Not a charset we round-trip byte for byte (see charset.ts): left alone. */
  UNSUPPORTED_CHARSET: 'UNSUPPORTED_CHARSET',
  UNSUPPORTED_TRANSFER_ENCODING: 'UNSUPPORTED_TRANSFER_ENCODING',
  /** The bytes are not valid in the declared charset: re-encoding would alter them. */
  UNDECODABLE: 'UNDECODABLE',
  TOO_LARGE: 'TOO_LARGE',
  /** The edited part would contain an enclosing boundary delimiter line. */
  BOUNDARY_COLLISION: 'BOUNDARY_COLLISION',
  /** Not attempted because the message was refused as a whole. */
  NOT_ATTEMPTED: 'NOT_ATTEMPTED',
} as const;

export type PartOutcome = (typeof PART_OUTCOME)[keyof typeof PART_OUTCOME];

export interface RewriteResult {
  /** The new message, or the input's own bytes when nothing changed. */
  readonly raw: Buffer;
  readonly modified: boolean;
  /** Set when the message was refused as a whole and returned unchanged. */
  readonly refusal?: { readonly code: RewriteRefusal; readonly detail: string };
  readonly html: PartOutcome;
  readonly text: PartOutcome;
  /** The original unsubscribe links that were replaced, each once, in order. */
  readonly rewrittenLinks: readonly string[];
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

interface PartEdit {
  readonly outcome: PartOutcome;
  readonly splices: readonly Splice[];
  readonly links: readonly string[];
  readonly inlinePgp?: boolean;
}

interface EditContext {
  readonly banner: Banner;
  readonly listUris: ReadonlySet<string>;
  readonly replace: (original: string) => string | undefined;
  readonly limits: RewriteLimits;
  readonly eol: '\r\n' | '\n';
  /** The banner goes into the first HTML and the first text part only; links are replaced in all. */
  readonly withBanner: boolean;
}

const MAX_HEADER_URL_LENGTH = 900;

/** An OpenPGP cleartext signature or message in the text (RFC 4880 §7, §6.2) must not change. */
const INLINE_PGP = /^-----BEGIN PGP (?:SIGNED )?MESSAGE-----/m;

export function rewriteForSafeUnsubscribe(raw: Uint8Array, edit: SafeUnsubscribeEdit): RewriteResult {
  // RFC 5322 §2.1.1: a header line must stay within 998 characters, and the URL is not folded.
  if (!isReplacementUrl(edit.listUnsubscribeUrl) || edit.listUnsubscribeUrl.length > MAX_HEADER_URL_LENGTH) {
    throw new RangeError(
      'listUnsubscribeUrl must be an http(s) URL of printable ASCII without <>, under 900 characters',
    );
  }
  const limits = readLimits(edit.limits);
  const input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const start = mboxFromLineLength(input);
  if (readHeaderBlock(input.subarray(start)).fields.length === 0) {
    return unchanged(input, REWRITE_REFUSAL.MALFORMED_HEADER, 'no header field could be read');
  }
  // A header that opens with a continuation line belongs to no field: mail programs differ on
  // what to make of it, so a message we cannot be sure how its reader sees is left alone.
  if (input[start] === 0x20 || input[start] === 0x09) {
    return unchanged(input, REWRITE_REFUSAL.MALFORMED_HEADER, 'the header opens with a continuation line');
  }
  const walk = walkMime(input, start, limits);
  if (!walk.ok) {
    const code =
      walk.problem === 'PROTECTED' ? REWRITE_REFUSAL.SIGNED_OR_ENCRYPTED : REWRITE_REFUSAL.MIME_TOO_COMPLEX;
    return unchanged(input, code, walk.detail);
  }
  const listUris = new Set(
    parseListUnsubscribe({
      listUnsubscribe: headerValues(walk.header, 'list-unsubscribe'),
      listUnsubscribePost: [],
      dkimCoversListUnsubscribe: false,
    }).uris,
  );
  const context: EditContext = {
    banner: edit.banner,
    listUris,
    replace: (original) => {
      const replacement = edit.replaceLink(original);
      return typeof replacement === 'string' && isReplacementUrl(replacement) ? replacement : undefined;
    },
    limits,
    eol: walk.header.eol,
    withBanner: true,
  };
  // The first HTML and the first text part get the banner; every other inline one (a mail
  // client's second HTML part after an inline image, say) still has the sender's links replaced.
  const editAll = (subtype: 'html' | 'plain'): { first: PartEdit; rest: PartEdit[] } => {
    const [first, ...rest] = walk.leaves.filter((leaf) => isBodyPart(leaf, subtype));
    const kind = subtype === 'html' ? 'html' : 'text';
    return {
      first: first ? editPart(input, first, kind, context) : absent(),
      rest: rest.map((leaf) => editPart(input, leaf, kind, { ...context, withBanner: false })),
    };
  };
  const html = editAll('html');
  const text = editAll('plain');
  const htmlEdit = html.first;
  const textEdit = text.first;
  const edits = [htmlEdit, ...html.rest, textEdit, ...text.rest];
  if (edits.some((e) => e.inlinePgp)) {
    return unchanged(input, REWRITE_REFUSAL.SIGNED_OR_ENCRYPTED, 'inline PGP');
  }
  const splices = edits.flatMap((e) => e.splices).sort((a, b) => a.start - b.start);
  const pieces: Uint8Array[] = [];
  let pos = 0;
  for (const splice of splices) {
    pieces.push(input.subarray(pos, splice.start), splice.bytes);
    pos = splice.end;
  }
  pieces.push(input.subarray(pos));
  const body = Buffer.concat(pieces);
  // RFC 2369 §3.2 / RFC 8058: our URL replaces the sender's; it is not a one-click endpoint
  // for the sender's POST, so List-Unsubscribe-Post goes.
  let message = replaceHeaderField(body.subarray(start), 'List-Unsubscribe', `<${edit.listUnsubscribeUrl}>`);
  message = replaceHeaderField(message, 'List-Unsubscribe-Post', undefined);
  const output = Buffer.concat([body.subarray(0, start), message]);
  return {
    raw: output,
    modified: !output.equals(input),
    html: htmlEdit.outcome,
    text: textEdit.outcome,
    rewrittenLinks: [...new Set(edits.flatMap((e) => e.links))],
  };
}

function isBodyPart(leaf: MimeLeaf, subtype: 'html' | 'plain'): boolean {
  return leaf.mediaType.type === 'text' && leaf.mediaType.subtype === subtype && !leaf.attachment;
}

function editPart(buffer: Buffer, leaf: MimeLeaf, kind: 'html' | 'text', context: EditContext): PartEdit {
  const body = buffer.subarray(leaf.bodyStart, leaf.bodyEnd);
  if (body.byteLength > context.limits.maxPartBytes) return skipped(PART_OUTCOME.TOO_LARGE);
  const encoding = readTransferEncoding(headerValues(leaf.header, 'content-transfer-encoding')[0]);
  if (encoding === undefined) return skipped(PART_OUTCOME.UNSUPPORTED_TRANSFER_ENCODING);
  // RFC 2045 §5.2: no charset parameter means US-ASCII.
  const charset = readCharset(leaf.mediaType.params.get('charset') ?? 'us-ascii');
  if (charset === undefined) return skipped(PART_OUTCOME.UNSUPPORTED_CHARSET);
  const decoded =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? decodeBase64(body)
        : body;
  const text = decodeCharset(decoded, charset);
  if (text === undefined) return skipped(PART_OUTCOME.UNDECODABLE);
  if (INLINE_PGP.test(text)) return { ...skipped(PART_OUTCOME.NOT_ATTEMPTED), inlinePgp: true };

  const eol = contentEol(text, context.eol);
  const edited =
    kind === 'html' ? editHtml(text, charset, eol, context) : editText(text, charset, eol, context);
  // A part without the banner and without a sender's link keeps every byte.
  if (!context.withBanner && edited.links.length === 0) return skipped(PART_OUTCOME.NOT_ATTEMPTED);
  const bytes = encodeCharset(edited.text, charset);
  const splices: Splice[] = [];
  let encoded: Buffer;
  if (encoding === 'base64') {
    encoded = Buffer.from(
      encodeBase64(bytes, context.eol) + (endsWithLineBreak(body) ? context.eol : ''),
      'latin1',
    );
  } else if (
    encoding === 'quoted-printable' ||
    (encoding === '7bit' && !fitsLineLimits(bytes, true)) ||
    (encoding === '8bit' && !fitsLineLimits(bytes, false))
  ) {
    // RFC 5322 §2.1.1 and RFC 2045 §2.7/2.8: 7bit and 8bit lines stay under 998 octets, and
    // 7bit is ASCII. When our change breaks that (a non-ASCII banner in a 7bit UTF-8 part),
    // the part becomes quoted-printable, which carries anything.
    encoded = Buffer.from(encodeQuotedPrintable(bytes, context.eol), 'latin1');
    if (encoding !== 'quoted-printable') splices.push(switchToQuotedPrintable(buffer, leaf, context.eol));
  } else {
    encoded = Buffer.from(bytes);
  }
  if (leaf.boundaries.some((boundary) => hasDelimiterLine(encoded, boundary))) {
    return skipped(PART_OUTCOME.BOUNDARY_COLLISION);
  }
  splices.push({ start: leaf.bodyStart, end: leaf.bodyEnd, bytes: encoded });
  return { outcome: PART_OUTCOME.MODIFIED, splices, links: edited.links };
}

interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly insert: string;
}

function editHtml(
  html: string,
  charset: Charset,
  eol: string,
  context: EditContext,
): { text: string; links: string[] } {
  const edits: TextEdit[] = [];
  const links: string[] = [];
  for (const anchor of findHtmlAnchors(html)) {
    if (!context.listUris.has(anchor.href) && !isUnsubscribeAnchor(anchor, context.banner.buttonLabel))
      continue;
    const replacement = context.replace(anchor.href);
    if (replacement === undefined) continue;
    // The whole attribute is rewritten, quoted, so an unquoted original cannot leak into it.
    edits.push({
      start: anchor.attribute.start,
      end: anchor.attribute.end,
      insert: `href="${escapeHtml(replacement)}"`,
    });
    links.push(anchor.href);
  }
  // A sender's unsubscribe form goes to our page too, as a GET: the page asks before acting.
  for (const form of findUnsubscribeForms(html, context.listUris)) {
    const replacement = context.replace(form.action);
    if (replacement === undefined) continue;
    edits.push({
      start: form.actionAttribute.start,
      end: form.actionAttribute.end,
      insert: `action="${escapeHtml(replacement)}"`,
    });
    if (form.methodAttribute)
      edits.push({
        start: form.methodAttribute.start,
        end: form.methodAttribute.end,
        insert: 'method="get"',
      });
    links.push(form.action);
  }
  if (context.withBanner) {
    const at = bannerInsertionPoint(html);
    const banner = toCharsetSafeHtml(context.banner.html, charset).replace(/\r?\n/g, eol);
    edits.push({ start: at, end: at, insert: banner });
  }
  return { text: applyEdits(html, edits), links };
}

/**
 * Right after the first `<body ...>` tag (as a browser tokenizes: not one in a comment or a
 * script, nor one inside a `<template>`, whose content is never shown: WHATWG HTML §4.12.3);
 * without one, after `</head>`, after `<html ...>`, after a leading doctype (text before it
 * would switch the page to quirks mode), or at the very start.
 */
function bannerInsertionPoint(html: string): number {
  let body: number | undefined;
  let headEnd: number | undefined;
  let htmlStart: number | undefined;
  let templates = 0;
  scanHtml(html, {
    startTag(tag) {
      if (tag.name === 'template') templates++;
      else if (templates > 0) return;
      else if (tag.name === 'body') body ??= tag.end;
      else if (tag.name === 'html') htmlStart ??= tag.end;
    },
    endTag(name, _start, end) {
      if (name === 'template') templates = Math.max(0, templates - 1);
      else if (name === 'head' && templates === 0) headEnd ??= end;
    },
  });
  if (body !== undefined) return body;
  if (headEnd !== undefined) return headEnd;
  if (htmlStart !== undefined) return htmlStart;
  const lead = /^\ufeff?\s*/.exec(html.slice(0, 1000))?.[0].length ?? 0;
  if (/^<!doctype/i.test(html.slice(lead, lead + 9))) {
    const gt = html.indexOf('>', lead);
    if (gt !== -1) return gt + 1;
  }
  return html.startsWith('\ufeff') ? 1 : 0;
}

function editText(
  text: string,
  charset: Charset,
  eol: string,
  context: EditContext,
): { text: string; links: string[] } {
  const found: Array<{ start: number; end: number; uri: string }> = [
    ...findTextUnsubscribeLinks(text).map((link) => ({ ...link })),
    ...findListUriOccurrences(text, context.listUris),
  ].sort((a, b) => a.start - b.start || b.end - a.end);
  const edits: TextEdit[] = [];
  const links: string[] = [];
  let covered = 0;
  for (const link of found) {
    if (link.start < covered) continue;
    const replacement = context.replace(link.uri);
    if (replacement === undefined) continue;
    edits.push({ start: link.start, end: link.end, insert: replacement });
    links.push(link.uri);
    covered = link.end;
  }
  if (context.withBanner) {
    const at = text.startsWith('\ufeff') ? 1 : 0;
    const banner = toCharsetSafeText(context.banner.text, charset).replace(/\r?\n/g, eol);
    edits.push({ start: at, end: at, insert: `${banner}${eol}${eol}` });
  }
  return { text: applyEdits(text, edits), links };
}

/** Where the List-Unsubscribe web URIs appear whole in plain text (not as a prefix of a longer URL). */
function findListUriOccurrences(
  text: string,
  uris: ReadonlySet<string>,
): Array<{ start: number; end: number; uri: string }> {
  const found: Array<{ start: number; end: number; uri: string }> = [];
  for (const uri of uris) {
    if (!/^https?:\/\//i.test(uri)) continue;
    let at = text.indexOf(uri);
    while (at !== -1 && found.length < 100) {
      const next = text.charCodeAt(at + uri.length);
      if (Number.isNaN(next) || /[\s<>"'`)\].,;:!?]/.test(String.fromCharCode(next))) {
        found.push({ start: at, end: at + uri.length, uri });
      }
      at = text.indexOf(uri, at + uri.length);
    }
  }
  return found;
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  // An insertion sorts before a replacement that starts at the same offset, so both apply.
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: string[] = [];
  let pos = 0;
  for (const edit of sorted) {
    if (edit.start < pos) continue; // overlapping: the earlier edit wins
    out.push(text.slice(pos, edit.start), edit.insert);
    pos = edit.end;
  }
  out.push(text.slice(pos));
  return out.join('');
}

/** Adds or replaces the part's Content-Transfer-Encoding field, keeping its other header bytes. */
function switchToQuotedPrintable(buffer: Buffer, leaf: MimeLeaf, eol: '\r\n' | '\n'): Splice {
  const header = buffer.subarray(leaf.headerStart, leaf.bodyStart);
  const bytes =
    header.byteLength === 0
      ? Buffer.from(`Content-Transfer-Encoding: quoted-printable${eol}${eol}`, 'latin1')
      : replaceHeaderField(header, 'Content-Transfer-Encoding', 'quoted-printable');
  return { start: leaf.headerStart, end: leaf.bodyStart, bytes };
}

/** 8bit/7bit data: lines of at most 998 octets, CR and LF only as CRLF or LF, no NUL (RFC 2045 §2.7-2.8). */
function fitsLineLimits(bytes: Uint8Array, asciiOnly: boolean): boolean {
  let lineLength = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x0a) {
      lineLength = 0;
      continue;
    }
    if (b === 0x0d && bytes[i + 1] === 0x0a) continue;
    if (b === 0 || b === 0x0d || (asciiOnly && b > 0x7f)) return false;
    if (++lineLength > 998) return false;
  }
  return true;
}

/** A line that reads as a delimiter of an enclosing multipart (`--boundary` at a line start). */
function hasDelimiterLine(bytes: Buffer, boundary: string): boolean {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let at = bytes.indexOf(delimiter);
  while (at !== -1) {
    if (at === 0 || bytes[at - 1] === 0x0a) return true;
    at = bytes.indexOf(delimiter, at + 1);
  }
  return false;
}

function contentEol(text: string, fallback: '\r\n' | '\n'): '\r\n' | '\n' {
  const lf = text.indexOf('\n');
  if (lf === -1) return fallback;
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}

function endsWithLineBreak(bytes: Uint8Array): boolean {
  return bytes[bytes.length - 1] === 0x0a;
}

function isReplacementUrl(url: unknown): url is string {
  return (
    typeof url === 'string' &&
    url.length <= MAX_URI_LENGTH &&
    /^https?:\/\/[\x21-\x3b\x3d\x3f-\x7e]+$/i.test(url)
  );
}

function readLimits(given: Partial<RewriteLimits> | undefined): RewriteLimits {
  const limits = { ...DEFAULT_REWRITE_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  return limits;
}

function absent(): PartEdit {
  return skipped(PART_OUTCOME.ABSENT);
}

function skipped(outcome: PartOutcome): PartEdit {
  return { outcome, splices: [], links: [] };
}

function unchanged(input: Buffer, code: RewriteRefusal, detail: string): RewriteResult {
  return {
    raw: input,
    modified: false,
    refusal: { code, detail },
    html: PART_OUTCOME.NOT_ATTEMPTED,
    text: PART_OUTCOME.NOT_ATTEMPTED,
    rewrittenLinks: [],
  };
}

/** Length of a leading mbox `From ` envelope line (not a `From:` field), or 0. */
function mboxFromLineLength(raw: Buffer): number {
  if (!raw.subarray(0, 5).equals(Buffer.from('From '))) return 0;
  const lf = raw.indexOf(0x0a);
  return lf === -1 ? 0 : lf + 1;
}
