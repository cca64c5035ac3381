import { domainToASCII } from 'node:url';
import { canonicalIp } from '../net/ip-address.ts';

/**
 * The hosts of the links in a message body, for URI reputation (blocklists, URIBL/SURBL).
 * Works on plain text and on raw HTML alike: a link is `http://`, `https://` or a bare
 * `www.` followed by an authority, wherever it appears (in text, an href, a src).
 *
 * Linear and bounded: the input is cut at `maxChars`, the one regular expression has a fixed
 * prefix and one bounded character class (so each match attempt costs at most
 * MAX_AUTHORITY steps and nothing backtracks), and at most `maxHosts` distinct hosts are
 * kept. Each host is normalised by the WHATWG URL parser, which resolves the tricks spammers
 * use to hide a host: percent-encoding, IDN (→ punycode A-labels), and decimal, octal or hex
 * IPv4 (`http://3232235777/`, `http://0xC0.0xA8.1.1/`).
 */

export interface UrlHostLimits {
  /** Characters read from each text. Default 2,000,000. */
  readonly maxChars?: number;
  /** Distinct hosts returned at most. Default 200. */
  readonly maxHosts?: number;
}

export interface UrlHost {
  /** Lowercase A-label domain, or the canonical text of an IP literal. */
  readonly host: string;
  readonly isIp: boolean;
}

const MAX_AUTHORITY = 300;
const DEFAULT_MAX_CHARS = 2_000_000;
const DEFAULT_MAX_HOSTS = 200;

// Authority characters: anything up to the first character that ends a URL's authority
// (RFC 3986 §3.2: `/`, `?`, `#`) or cannot be part of a link in text or markup.
const LINK = /(?:https?:\/\/|www\.)([^\s"'<>()\\/?#`{}|^]{1,300})/gi;

export function extractUrlHosts(texts: readonly string[], limits: UrlHostLimits = {}): UrlHost[] {
  const maxChars = limits.maxChars ?? DEFAULT_MAX_CHARS;
  const maxHosts = limits.maxHosts ?? DEFAULT_MAX_HOSTS;
  const seen = new Map<string, UrlHost>();
  for (const text of texts) {
    if (typeof text !== 'string' || text.length === 0) continue;
    const bounded = text.length > maxChars ? text.slice(0, maxChars) : text;
    for (const match of bounded.matchAll(LINK)) {
      const whole = match[0];
      const authority = whole.slice(0, 4).toLowerCase() === 'www.' ? whole : (match[1] ?? '');
      const host = normaliseHost(authority);
      if (host && !seen.has(host.host)) {
        seen.set(host.host, host);
        if (seen.size >= maxHosts) return [...seen.values()];
      }
    }
  }
  return [...seen.values()];
}

/** The host of an authority (`user:pw@Host.Example:8080`), normalised; undefined if none. */
export function normaliseHost(authority: string): UrlHost | undefined {
  if (authority.length === 0 || authority.length > MAX_AUTHORITY) return undefined;
  // HTML attribute values carry entities; `&amp;` is the only one common inside a URL.
  const text = authority.replace(/&amp;/gi, '&');
  let hostname: string;
  try {
    hostname = new URL(`http://${text}`).hostname;
  } catch {
    return undefined;
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    const ip = canonicalIp(hostname.slice(1, -1));
    return ip ? { host: ip, isIp: true } : undefined;
  }
  const ip = canonicalIp(hostname);
  if (ip) return { host: ip, isIp: true };
  const host = domainToASCII(hostname.replace(/\.+$/, ''));
  // A link host worth judging has at least two labels; `http://localhost/` or a typo is not.
  if (!host || host.length > 253 || !host.includes('.') || !/^[a-z0-9.-]+$/.test(host)) return undefined;
  return { host, isIp: false };
}
