/**
 * Linear URL helpers for the URI rules: no regular expression runs over message text, every
 * input is cut first, and the number of URLs read is bounded.
 */

export interface ParsedUrl {
  /** The URL as written, cut to MAX_URL_CHARS. */
  readonly raw: string;
  /** Lowercased scheme without `://` (`http`), `mailto`, or '' for `www.` links. */
  readonly scheme: string;
  /** Lowercased host without userinfo and port; '' when there is none (mailto:, cid:, relative). */
  readonly host: string;
  /** Registrable part of the host (`example.co.uk`), or the IP literal itself. */
  readonly orgDomain: string;
  readonly hasUserinfo: boolean;
  readonly port: string;
  /** Path, query and fragment, lowercased, cut. */
  readonly rest: string;
  /** The host is an IP literal: dotted quad, a bare number (decimal IP), or hex/octal form. */
  readonly ipHost: boolean;
  /** The host carries %-escapes (browsers decode them; filters that match host names do not). */
  readonly escapedHost: boolean;
}

export const MAX_URL_CHARS = 500;

/** Parses one URL-ish string; undefined when it has no host (relative, cid:, javascript:). */
export function parseUrl(input: string): ParsedUrl | undefined {
  const raw = input.trim().slice(0, MAX_URL_CHARS);
  const lower = raw.toLowerCase();
  if (lower.startsWith('mailto:')) {
    const at = lower.indexOf('@');
    const host = at === -1 ? '' : cleanHost(lower.slice(at + 1).split('?')[0] ?? '');
    return {
      raw,
      scheme: 'mailto',
      host,
      orgDomain: orgDomain(host),
      hasUserinfo: false,
      port: '',
      rest: lower.slice(7),
      ipHost: false,
      escapedHost: false,
    };
  }
  let scheme = '';
  let afterScheme: string;
  const sep = lower.indexOf('://');
  if (sep > 0 && sep < 12) {
    scheme = lower.slice(0, sep);
    afterScheme = lower.slice(sep + 3);
  } else if (lower.startsWith('www.')) {
    afterScheme = lower;
  } else {
    return undefined;
  }
  let hostEnd = 0;
  while (hostEnd < afterScheme.length) {
    const c = afterScheme.charCodeAt(hostEnd);
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) break;
    hostEnd++;
  }
  let authority = afterScheme.slice(0, hostEnd);
  const rest = afterScheme.slice(hostEnd);
  const at = authority.lastIndexOf('@');
  const hasUserinfo = at !== -1;
  if (hasUserinfo) authority = authority.slice(at + 1);
  let port = '';
  const colon = authority.lastIndexOf(':');
  if (colon !== -1 && !authority.startsWith('[')) {
    port = authority.slice(colon + 1);
    authority = authority.slice(0, colon);
  }
  const host = cleanHost(authority);
  if (!host) return undefined;
  return {
    raw,
    scheme,
    host,
    orgDomain: isIpLiteral(host) ? host : orgDomain(host),
    hasUserinfo,
    port,
    rest,
    ipHost: isIpLiteral(host),
    escapedHost: host.includes('%'),
  };
}

function cleanHost(host: string): string {
  let end = host.length;
  // Trailing punctuation from prose ("see www.example.com.") is not part of the host.
  while (end > 0 && ',.;:!)]}>"\''.includes(host[end - 1] as string)) end--;
  return host.slice(0, Math.min(end, 255));
}

/**
 * An IP literal as browsers read hosts: a dotted quad (`198.51.100.7`), a bracketed IPv6
 * address, or a single number / hex / octal form (`3325256711`, `0xc6336407`).
 */
export function isIpLiteral(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return true;
  const parts = host.split('.');
  if (parts.length === 4 && parts.every((p) => p.length > 0 && p.length <= 3 && isDigits(p))) {
    return parts.every((p) => Number(p) <= 255);
  }
  if (parts.length === 1 && host.length >= 8 && host.length <= 12 && isDigits(host)) return true;
  if (parts.length <= 4 && parts.every((p) => p.startsWith('0x') && p.length > 2 && isHex(p.slice(2))))
    return true;
  return false;
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return text.length > 0;
}

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return text.length > 0;
}

/** Second-level labels under which registrations happen (co.uk, com.au, ...): two-letter TLDs only. */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go']);

/** The registrable part of a domain, roughly: example.com, example.co.uk. Good enough to compare. */
export function orgDomain(domain: string): string {
  const labels = domain
    .toLowerCase()
    .slice(0, 255)
    .split('.')
    .filter((label) => label.length > 0);
  const last = labels.at(-1) ?? '';
  const second = labels.at(-2) ?? '';
  const take = labels.length >= 3 && last.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** Domain of an address (`a@mail.example.org` → `example.org`), or ''. */
export function addressOrgDomain(address: string | undefined): string {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  if (at === -1) return '';
  return orgDomain(
    cleanHost(
      address
        .slice(at + 1, at + 256)
        .trim()
        .toLowerCase(),
    ),
  );
}

const MAX_TEXT_URLS = 100;

/** URLs written in plain text (http://, https://, www.), found by indexOf, never by regex. */
export function findTextUrls(text: string, max: number = MAX_TEXT_URLS): string[] {
  const urls: string[] = [];
  for (const marker of ['http://', 'https://', 'www.']) {
    let at = text.indexOf(marker);
    while (at !== -1 && urls.length < max) {
      if (marker === 'www.' && at >= 3 && text.slice(at - 3, at) === '://') {
        at = text.indexOf(marker, at + marker.length);
        continue;
      }
      let end = at + marker.length;
      while (end < text.length && end - at < MAX_URL_CHARS) {
        const c = text.charCodeAt(end);
        if (c <= 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x29) break;
        end++;
      }
      urls.push(text.slice(at, end));
      at = text.indexOf(marker, end);
    }
  }
  return urls;
}

/** Hosts of URL shorteners and redirect services: the real target is hidden from the reader. */
export const SHORTENER_HOSTS: ReadonlySet<string> = new Set([
  'tinyurl.com',
  'bit.ly',
  'goo.gl',
  't.co',
  'ow.ly',
  'is.gd',
  'buff.ly',
  'tiny.cc',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'rb.gy',
  't.ly',
  'snipurl.com',
  'snurl.com',
  'makeashorterlink.com',
  'shorl.com',
  'lnkd.in',
  'qrco.de',
]);

/** Free web hosting and dynamic-DNS names that spam links to instead of a domain of its own. */
export const FREE_HOSTING_DOMAINS: ReadonlySet<string> = new Set([
  'geocities.com',
  'tripod.com',
  'angelfire.com',
  'freeservers.com',
  'hypermart.net',
  'fortunecity.com',
  'bizland.com',
  'cjb.net',
  '8m.com',
  'netfirms.com',
  'homestead.com',
  'xoom.com',
  'brinkster.net',
  'dyndns.org',
  'no-ip.com',
  'freewebs.com',
  'weebly.com',
  'wixsite.com',
  'blogspot.com',
  '000webhostapp.com',
  'firebaseapp.com',
  'web.app',
  'glitch.me',
  'ngrok.io',
]);

/** Free mailbox providers: anyone can get an address there in a minute. */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'msn.com',
  'hotmail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.ca',
  'aol.com',
  'gmail.com',
  'googlemail.com',
  'excite.com',
  'lycos.com',
  'netscape.net',
  'mail.com',
  'usa.net',
  'juno.com',
  'email.com',
  'earthlink.net',
  'outlook.com',
  'live.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.ru',
  'yandex.ru',
  'btinternet.com',
  'hotpop.com',
  'indiatimes.com',
  'rediffmail.com',
  'zdnetmail.com',
  'eircom.net',
  'icloud.com',
  'proton.me',
  'protonmail.com',
]);
