import { checkHostName, normaliseHostName } from './host-name.ts';
import { classifyAddress, parseIpv4, parseIpv6 } from './ip-address.ts';
import { REFUSAL, type Refusal, refuse } from './refusal.ts';

/**
 * The pure half of the reputation check on an unsubscribe URI taken from untrusted mail: what
 * can be decided from the URI text alone. The other half (every address the host resolves to,
 * on every redirect) is `classifyAddress`, applied by the HTTP adapter after DNS.
 */

export interface UriSafetyOptions {
  /**
   * Accept loopback targets (`localhost`, 127.0.0.0/8, ::1) on any port. Local mode and tests
   * only, where senders' endpoints are local servers on ephemeral ports; production never.
   */
  readonly allowLoopback?: boolean;
  /** The organisation's blocklist: each entry refuses the domain and all its subdomains. */
  readonly blockedHosts?: Iterable<string>;
  /**
   * Our own mail domains (each with its subdomains) and addresses (submission mailboxes, the
   * recipient): a mailto link to one of them is refused. The unsubscribe mail goes out from
   * the recipient's address with the sender's subject and body: aimed inside, it would be the
   * sender writing to our colleagues, or to our spam-report mailbox, in a user's name.
   */
  readonly ownDomains?: Iterable<string>;
  readonly ownAddresses?: Iterable<string>;
}

export type UnsubscribeTarget = WebTarget | MailtoTarget;

export interface WebTarget {
  readonly kind: 'web';
  readonly scheme: 'https' | 'http';
  /** Normalised by the WHATWG URL parser; the fragment removed (never sent anyway). */
  readonly href: string;
  /** A-label host name, or an IP address without brackets (loopback, when allowed). */
  readonly host: string;
  readonly port: number;
}

export interface MailtoTarget {
  readonly kind: 'mailto';
  readonly href: string;
  /** The single recipient, domain in A-label form. */
  readonly to: string;
  readonly subject?: string;
  readonly body?: string;
}

export type UriCheck =
  | { readonly ok: true; readonly target: UnsubscribeTarget }
  | { readonly ok: false; readonly refusal: Refusal };

export const MAX_URI_LENGTH = 2048;

/**
 * Ports a public unsubscribe page is served on. Others (25, 6379, 9200...) are how a request
 * smuggles commands into a non-HTTP service, even on a public host.
 */
const WEB_PORTS = new Set([80, 443, 8080, 8443]);

/** The ports a web unsubscribe link may use outside local mode. */
export function isWebPort(port: number): boolean {
  return WEB_PORTS.has(port);
}

/**
 * Control characters (Cc), format characters such as bidi overrides and zero-width joiners
 * (Cf), spaces and separators (Z), and backslash:
 * URL parsers silently drop or reinterpret them (WHATWG strips tab and newline, reads `\` as
 * `/`), so a link that contains them does not mean what it shows.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Z}\\]/u;

/** Decides whether `uri` may be used to unsubscribe on the recipient's behalf. */
export function checkUnsubscribeUri(uri: string, options: UriSafetyOptions = {}): UriCheck {
  if (typeof uri !== 'string' || uri.length === 0) return refused(REFUSAL.MALFORMED_URI, '');
  if (uri.length > MAX_URI_LENGTH) return refused(REFUSAL.URI_TOO_LONG, uri);
  if (UNSAFE_CHARACTERS.test(uri)) return refused(REFUSAL.MALFORMED_URI, uri);
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]{0,31}):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return checkWebUri(uri, scheme, options);
  if (scheme === 'mailto') return checkMailtoUri(uri, options);
  return refused(REFUSAL.SCHEME_NOT_ALLOWED, uri);
}

/**
 * Checks the target of an HTTP redirect (`location` as the server sent it, resolved against
 * `from`, RFC 9110 §10.2.2): a full check as for a URI from the mail, only web targets, and
 * never from https down to http.
 */
export function checkRedirect(from: WebTarget, location: string, options: UriSafetyOptions = {}): UriCheck {
  if (typeof location !== 'string' || location.length > MAX_URI_LENGTH) {
    return refused(REFUSAL.URI_TOO_LONG, String(location));
  }
  if (UNSAFE_CHARACTERS.test(location.trim())) return refused(REFUSAL.MALFORMED_URI, location);
  let resolved: string;
  try {
    resolved = new URL(location.trim(), from.href).href;
  } catch {
    return refused(REFUSAL.MALFORMED_URI, location);
  }
  const check = checkUnsubscribeUri(resolved, options);
  if (!check.ok) return check;
  if (check.target.kind !== 'web') return refused(REFUSAL.SCHEME_NOT_ALLOWED, resolved);
  if (from.scheme === 'https' && check.target.scheme === 'http') {
    return refused(REFUSAL.REDIRECT_DOWNGRADE, resolved);
  }
  return check;
}

function checkWebUri(uri: string, scheme: 'http' | 'https', options: UriSafetyOptions): UriCheck {
  // WHATWG accepts `http:host` and `http:/host`; RFC 3986 §3.2 requires `//` before an authority.
  if (uri.slice(scheme.length + 1, scheme.length + 3) !== '//') return refused(REFUSAL.MALFORMED_URI, uri);
  const authorityEnd = uri.slice(scheme.length + 3).search(/[/?#]/);
  const authority =
    authorityEnd === -1
      ? uri.slice(scheme.length + 3)
      : uri.slice(scheme.length + 3, scheme.length + 3 + authorityEnd);
  // userinfo (RFC 3986 §3.2.1): `https://paypal.com@evil.example/` goes to evil.example.
  if (authority.includes('@')) return refused(REFUSAL.USERINFO_IN_URI, uri);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return refused(REFUSAL.MALFORMED_URI, uri);
  }
  if (url.username !== '' || url.password !== '') return refused(REFUSAL.USERINFO_IN_URI, uri);
  const hostRefusal = checkHost(url.hostname, options);
  if (hostRefusal) return { ok: false, refusal: hostRefusal };
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  // Local mode's endpoints are loopback servers on ephemeral ports. Whether a name is loopback
  // shows only after DNS: with loopback allowed, the HTTP client checks the port again against
  // the resolved addresses (isWebPort).
  if (!WEB_PORTS.has(port) && options.allowLoopback !== true) return refused(REFUSAL.PORT_NOT_ALLOWED, uri);
  url.hash = '';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname.replace(/\.$/, '');
  return { ok: true, target: { kind: 'web', scheme, href: url.href, host, port } };
}

/**
 * The host of a URL or a mail address, as the WHATWG parser normalised it: IP literals in any
 * spelling (integer, octal, hex IPv4 all arrive here as a dotted quad) are refused unless they
 * are loopback and loopback is allowed; names go through the domain-name checks.
 */
function checkHost(hostname: string, options: UriSafetyOptions): Refusal | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (parseIpv4(bare) || parseIpv6(bare)) {
    const strict = classifyAddress(bare);
    if (!strict.ok) {
      if (strict.refusal.code === REFUSAL.LOOPBACK_ADDRESS && options.allowLoopback === true)
        return undefined;
      return strict.refusal;
    }
    return refuse(REFUSAL.IP_LITERAL_HOST, bare);
  }
  return checkHostName(bare.replace(/\.$/, ''), options);
}

/** mailto per RFC 6068: exactly one recipient; only `subject` and `body` are kept. */
function checkMailtoUri(uri: string, options: UriSafetyOptions): UriCheck {
  const rest = uri.slice('mailto:'.length);
  const question = rest.indexOf('?');
  const toPart = question === -1 ? rest : rest.slice(0, question);
  const recipients: string[] = [];
  let subject: string | undefined;
  let body: string | undefined;
  const toDecoded = percentDecode(toPart);
  if (toDecoded === undefined) return refused(REFUSAL.MALFORMED_URI, uri);
  recipients.push(...splitAddresses(toDecoded));
  if (question !== -1) {
    for (const field of rest.slice(question + 1).split('&')) {
      if (field === '') continue;
      const eq = field.indexOf('=');
      const name = percentDecode(eq === -1 ? field : field.slice(0, eq))?.toLowerCase();
      const value = percentDecode(eq === -1 ? '' : field.slice(eq + 1));
      if (name === undefined || value === undefined) return refused(REFUSAL.MALFORMED_URI, uri);
      // Extra recipients would make the filter mail third parties on the sender's say-so.
      if (name === 'to') recipients.push(...splitAddresses(value));
      else if (name === 'cc' || name === 'bcc') return refused(REFUSAL.MAILTO_NOT_SINGLE_RECIPIENT, uri);
      else if (name === 'subject') subject = value;
      else if (name === 'body') body = value;
      // Other header fields (In-Reply-To, Keywords...) are ignored: we write our own message.
    }
  }
  if (recipients.length !== 1) return refused(REFUSAL.MAILTO_NOT_SINGLE_RECIPIENT, uri);
  const address = /^([^@]{1,64})@([^@]{1,255})$/.exec(recipients[0] as string);
  // RFC 5322 dot-atom local part; quoted local parts are not worth the risk here.
  if (
    !address ||
    !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(address[1] as string)
  ) {
    return refused(REFUSAL.MALFORMED_URI, uri);
  }
  const domainText = address[2] as string;
  if (domainText.startsWith('[')) {
    const literal = domainText.replace(/^\[(IPv6:)?/i, '').replace(/\]$/, '');
    const check = classifyAddress(literal);
    return { ok: false, refusal: check.ok ? refuse(REFUSAL.IP_LITERAL_HOST, literal) : check.refusal };
  }
  const domain = normaliseHostName(domainText);
  if (domain === '') return refused(REFUSAL.INVALID_HOST_NAME, domainText);
  // Mail goes out through SES, never to a loopback host: allowLoopback does not apply here.
  const hostRefusal = checkHostName(domain, { ...options, allowLoopback: false });
  if (hostRefusal) return { ok: false, refusal: hostRefusal };
  const to = `${address[1]}@${domain}`;
  if (isOwnAddress(to, options)) return refused(REFUSAL.MAILTO_OWN_ADDRESS, to);
  // A line break in the subject would let the link add header fields to our message (and the
  // Unicode line and paragraph separators read as breaks in some mail programs).
  if (subject !== undefined && (/[\r\n\0\u0085\u2028\u2029]/.test(subject) || subject.length > 500)) {
    return refused(REFUSAL.MALFORMED_URI, uri);
  }
  if (body !== undefined && body.length > 5000) return refused(REFUSAL.MALFORMED_URI, uri);
  const target: MailtoTarget = {
    kind: 'mailto',
    href: uri,
    to,
    ...(subject === undefined ? {} : { subject }),
    ...(body === undefined ? {} : { body }),
  };
  return { ok: true, target };
}

function splitAddresses(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function refused(code: Refusal['code'], detail: string): UriCheck {
  return { ok: false, refusal: refuse(code, detail) };
}

function isOwnAddress(address: string, options: UriSafetyOptions): boolean {
  const lower = address.toLowerCase();
  const domain = lower.slice(lower.lastIndexOf('@') + 1);
  for (const own of options.ownAddresses ?? []) if (own.toLowerCase() === lower) return true;
  for (const own of options.ownDomains ?? []) {
    const d = own.toLowerCase();
    if (domain === d || domain.endsWith(`.${d}`)) return true;
  }
  return false;
}
