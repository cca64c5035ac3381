import type { DkimCheck } from '../auth/types.ts';
import { type HeaderBlock, headerValues } from '../mime/raw-message.ts';
import { MAX_URI_LENGTH } from './uri-safety.ts';

/**
 * The List-Unsubscribe header (RFC 2369 §3.2) and its one-click companion
 * List-Unsubscribe-Post (RFC 8058).
 */

export interface ListUnsubscribeInput {
  /** Every List-Unsubscribe field value, top first (unfolded, as `headerValues` gives them). */
  readonly listUnsubscribe: readonly string[];
  /** Every List-Unsubscribe-Post field value. */
  readonly listUnsubscribePost: readonly string[];
  /**
   * The message has a valid DKIM signature whose `h=` tag covers both List-Unsubscribe and
   * List-Unsubscribe-Post (RFC 8058 §4). Computed by the caller from the verification result;
   * without it, the POST could have been added by anyone along the way.
   */
  readonly dkimCoversListUnsubscribe: boolean;
}

/** Whether RFC 8058 one-click may be used, and if not, why. */
export const ONE_CLICK = {
  AVAILABLE: 'AVAILABLE',
  /** No List-Unsubscribe-Post field. */
  NOT_OFFERED: 'NOT_OFFERED',
  /** A List-Unsubscribe-Post field other than exactly `List-Unsubscribe=One-Click` (§3.1). */
  INVALID_POST_VALUE: 'INVALID_POST_VALUE',
  /** Several List-Unsubscribe fields: which one the DKIM signature covers is unclear. */
  AMBIGUOUS_HEADERS: 'AMBIGUOUS_HEADERS',
  /** One-click needs an https URI (§3.1: "MUST contain one HTTPS URI"). */
  NO_HTTPS_URI: 'NO_HTTPS_URI',
  /** The fields are not covered by a valid DKIM signature (§4). */
  NOT_DKIM_COVERED: 'NOT_DKIM_COVERED',
} as const;

export type OneClickStatus = (typeof ONE_CLICK)[keyof typeof ONE_CLICK];

export interface ListUnsubscribe {
  /** The URIs in the sender's order of preference (RFC 2369 §2: left to right), at most 10. */
  readonly uris: readonly string[];
  readonly oneClick: OneClickStatus;
  /** The https URI to POST to when `oneClick` is AVAILABLE: the first https URI. */
  readonly oneClickUri?: string;
  /** How many entries were dropped: unbracketed, unterminated, too long, not a URI, over the count. */
  readonly dropped: number;
}

export const MAX_LIST_UNSUBSCRIBE_URIS = 10;
const MAX_FIELD_CHARS = 16 * 1024;
const MAX_COMMENT_DEPTH = 16;

export function parseListUnsubscribe(input: ListUnsubscribeInput): ListUnsubscribe {
  const uris: string[] = [];
  let dropped = 0;
  for (const value of input.listUnsubscribe) {
    const parsed = readUris(value.slice(0, MAX_FIELD_CHARS));
    dropped += parsed.dropped + (value.length > MAX_FIELD_CHARS ? 1 : 0);
    for (const uri of parsed.uris) {
      if (uris.length < MAX_LIST_UNSUBSCRIBE_URIS) uris.push(uri);
      else dropped++;
    }
  }
  const oneClick = oneClickStatus(input, uris);
  const oneClickUri = oneClick === ONE_CLICK.AVAILABLE ? uris.find(isHttps) : undefined;
  return { uris, oneClick, ...(oneClickUri === undefined ? {} : { oneClickUri }), dropped };
}

/** Reads both fields from a message's header block. */
export function readListUnsubscribe(
  header: HeaderBlock,
  dkimCoversListUnsubscribe: boolean,
): ListUnsubscribe {
  return parseListUnsubscribe({
    listUnsubscribe: headerValues(header, 'list-unsubscribe'),
    listUnsubscribePost: headerValues(header, 'list-unsubscribe-post'),
    dkimCoversListUnsubscribe,
  });
}

function oneClickStatus(input: ListUnsubscribeInput, uris: readonly string[]): OneClickStatus {
  if (input.listUnsubscribePost.length === 0) return ONE_CLICK.NOT_OFFERED;
  if (
    input.listUnsubscribePost.length !== 1 ||
    (input.listUnsubscribePost[0] as string).trim().toLowerCase() !== 'list-unsubscribe=one-click'
  ) {
    return ONE_CLICK.INVALID_POST_VALUE;
  }
  if (input.listUnsubscribe.length !== 1) return ONE_CLICK.AMBIGUOUS_HEADERS;
  if (!uris.some(isHttps)) return ONE_CLICK.NO_HTTPS_URI;
  if (!input.dkimCoversListUnsubscribe) return ONE_CLICK.NOT_DKIM_COVERED;
  return ONE_CLICK.AVAILABLE;
}

function isHttps(uri: string): boolean {
  return /^https:\/\//i.test(uri);
}

/**
 * `<uri>, <uri>` with comments and whitespace anywhere between (RFC 2369 §2: whitespace inside
 * the brackets is ignored, it comes from folding). Text outside brackets is not a URI and is
 * skipped: RFC 2369 requires the brackets, and guessing where a bare URI ends is how two
 * parsers come to disagree about the same header.
 */
function readUris(value: string): { uris: string[]; dropped: number } {
  const uris: string[] = [];
  let dropped = 0;
  let pos = 0;
  const n = value.length;
  while (pos < n) {
    const c = value[pos];
    if (c === '(') {
      pos = skipComment(value, pos);
    } else if (c === '<') {
      const close = value.indexOf('>', pos + 1);
      if (close === -1) return { uris, dropped: dropped + 1 };
      const uri = value.slice(pos + 1, close).replace(/[ \t\r\n]+/g, '');
      if (isPlausibleUri(uri)) uris.push(uri);
      else dropped++;
      pos = close + 1;
    } else if (c === ',' || c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      pos++;
    } else {
      // Bare text: skip to the next separator and count it once.
      dropped++;
      while (pos < n && value[pos] !== ',' && value[pos] !== '<' && value[pos] !== '(') pos++;
    }
  }
  return { uris, dropped };
}

/** RFC 5322 §3.2.2 comment, nested and with quoted-pairs; an unclosed one runs to the end. */
function skipComment(value: string, open: number): number {
  let depth = 0;
  let pos = open;
  while (pos < value.length) {
    const c = value[pos];
    if (c === '\\') pos += 2;
    else {
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return pos + 1;
      pos++;
      if (depth > MAX_COMMENT_DEPTH) return value.length;
    }
  }
  return value.length;
}

/** A scheme, then printable ASCII only (URIs in header fields are ASCII, RFC 3986 §2). */
function isPlausibleUri(uri: string): boolean {
  return uri.length <= MAX_URI_LENGTH && /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(uri);
}

/** What a DKIM-Signature field says about itself (not whether it verifies). */
export interface DkimSignatureInfo {
  /** `d=`, lowercased. */
  readonly domain: string;
  /** `s=`, lowercased. */
  readonly selector: string;
  /** `b=` with whitespace removed. */
  readonly b: string;
  /** Its `h=` tag lists both List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §4). */
  readonly coversListUnsubscribe: boolean;
}

/** The message's DKIM-Signature fields (the first 20), read as tag lists (RFC 6376 §3.5). */
export function dkimSignatures(header: HeaderBlock): DkimSignatureInfo[] {
  return headerValues(header, 'dkim-signature')
    .slice(0, 20)
    .map((value) => {
      const tags = new Map<string, string>();
      for (const pair of value.slice(0, 8192).split(';')) {
        const eq = pair.indexOf('=');
        if (eq === -1) continue;
        const name = pair.slice(0, eq).replace(/\s+/g, '').toLowerCase();
        if (!tags.has(name)) tags.set(name, pair.slice(eq + 1).replace(/\s+/g, ''));
      }
      const signed = (tags.get('h') ?? '').toLowerCase().split(':');
      return {
        domain: (tags.get('d') ?? '').toLowerCase(),
        selector: (tags.get('s') ?? '').toLowerCase(),
        b: tags.get('b') ?? '',
        coversListUnsubscribe:
          signed.includes('list-unsubscribe') && signed.includes('list-unsubscribe-post'),
      };
    });
}

/**
 * RFC 8058 §4: one-click unsubscribe only when a DKIM signature that VERIFIED covers
 * List-Unsubscribe and List-Unsubscribe-Post. A passing result is tied to the signature it
 * is about by `header.b` (RFC 6008) when the verifier wrote it, else by domain and selector,
 * else by domain; if that still fits a signature that does not cover the two fields, the
 * pass could be that one's, and one-click is not trusted: a sender could otherwise add a
 * bogus covering signature next to a real one that leaves List-Unsubscribe out.
 * `results` are the trusted Authentication-Results' DKIM checks; without them only SES's
 * verdict is known, which names no signature, so every signature must cover the fields.
 */
export function verifiedSignatureCoversListUnsubscribe(
  signatures: readonly DkimSignatureInfo[],
  results: readonly DkimCheck[] | undefined,
  sesDkim: string | undefined,
): boolean {
  if (!signatures.some((s) => s.coversListUnsubscribe)) return false;
  if (!results) return sesDkim === 'PASS' && signatures.every((s) => s.coversListUnsubscribe);
  return results.some((result) => {
    if (result.result !== 'pass') return false;
    const domain = result.domain?.toLowerCase();
    const selector = result.selector?.toLowerCase();
    const prefix = result.signature?.replace(/\s+/g, '');
    const candidates = signatures.filter((s) =>
      prefix && prefix.length >= 8
        ? s.b.startsWith(prefix)
        : s.domain === domain && (selector === undefined || s.selector === selector),
    );
    return candidates.length > 0 && candidates.every((s) => s.coversListUnsubscribe);
  });
}
