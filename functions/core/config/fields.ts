import { z } from 'zod';

/** Field types shared by the config schemas: each with a message an admin can act on. */

// RFC 1035 labels (letters, digits, hyphens; 1-63 chars; no leading/trailing hyphen), at least
// two labels, lowercased on input because mail domains are case-insensitive (RFC 5321 §2.4).
export const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
// Deliberately simple: a local part without spaces or angle brackets, then a valid domain.
// RFC 5321 allows quoted local parts; SES receipt rules and downstream MTAs rarely accept them.
export const ADDRESS = /^[^\s@<>"(),;:]{1,64}@(.+)$/;

export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(DOMAIN, 'must be a domain name such as example.com (letters, digits, hyphens and dots)');

export const emailAddress = z
  .string()
  .trim()
  .refine((value) => {
    const match = ADDRESS.exec(value);
    return match !== null && DOMAIN.test((match[1] ?? '').toLowerCase());
  }, 'must be an email address such as user@example.com')
  .transform((value) => {
    const at = value.lastIndexOf('@');
    return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
  });

/**
 * An address we receive mail for. The pipeline lowercases every recipient it is handed (see
 * pipeline-messages.ts) and compares them so, as the local gateway's SMTP listener does: one
 * written `CEO@example.com` must be stored lowercased too, or it would never match.
 */
export const recipientAddress = emailAddress.transform((value) => value.toLowerCase());

// A host name or an IPv4/IPv6 literal for the downstream MTA.
export const hostName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine(
    (value) =>
      DOMAIN.test(value.toLowerCase()) ||
      /^[a-z0-9-]+$/i.test(value) ||
      z.ipv4().safeParse(value).success ||
      z.ipv6().safeParse(value).success,
    'must be a host name or an IP address',
  );

// Subject tags go into a header verbatim: US-ASCII printable only, so we never have to
// RFC 2047-encode them and can never inject a line break into the header block.
export const subjectTag = z
  .string()
  .max(60, 'must be at most 60 characters')
  .regex(/^[\x20-\x7e]*$/, 'must be printable US-ASCII (no line breaks or non-ASCII characters)');

/**
 * How policies and filters name mail users: `user@example.com` (that address),
 * `example.com` (every address at that domain) or `.example.com` (every address at any
 * subdomain of it, not the domain itself) — the forms mail gateways use.
 */
export const addressPattern = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => {
    if (value.includes('@')) {
      const match = ADDRESS.exec(value);
      // `*@example.com` would be taken as a literal address that never matches: say so.
      return match !== null && DOMAIN.test(match[1] ?? '') && !value.includes('*');
    }
    return DOMAIN.test(value.startsWith('.') ? value.slice(1) : value);
  }, 'must be an address (user@example.com), a domain (example.com) or a subdomain wildcard (.example.com); no * wildcards');

/** A header field name we may write (RFC 5322 §3.6.8 ftext: printable ASCII except colon). */
export const headerName = z
  .string()
  .regex(/^[\x21-\x39\x3b-\x7e]{1,76}$/, 'must be a header name such as X-Policy (no spaces or colons)');

/**
 * Why a policy may not add a header field of this name, or undefined when it may. We add
 * fields on top of the received header block and never remove the sender's, so:
 * - RFC 5322 §3.6 allows the origination, destination, identification and informational
 *   fields only once: a second Subject (say) would hide the [SPAM] tag from readers whose
 *   client shows the first one;
 * - MIME-Version and Content-* describe the body: a second one corrupts it;
 * - trace and authentication fields (Received, Return-Path, Received-SPF,
 *   Authentication-Results, DKIM-Signature, ARC-*, SES's X-SES-*) and List-Unsubscribe* are
 *   read by downstream filters, by our scanner and by the safe-unsubscribe banner: one written
 *   by an admin would be taken as the real thing;
 * - X-Graywall-* fields are Graywall's own: the README promises each one was written by it.
 */
export function reservedHeaderReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (ONCE_ONLY_FIELDS.includes(lower))
    return 'a message may have this field only once (RFC 5322 §3.6), so adding one would make a second copy that hides or contradicts the original';
  if (lower === 'mime-version' || lower.startsWith('content-'))
    return 'MIME-Version and Content-* fields describe the message body, and a second one would corrupt it';
  if (TRACE_FIELDS.includes(lower) || TRACE_PREFIXES.some((prefix) => lower.startsWith(prefix)))
    return 'trace, authentication and list fields are read by mail filters and by Graywall, and one added by a policy would be taken as genuine';
  if (lower.startsWith('x-graywall-'))
    return 'X-Graywall-* fields are written by Graywall only, so readers and mail rules can trust them';
  return undefined;
}

const ONCE_ONLY_FIELDS = [
  'date',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'message-id',
  'in-reply-to',
  'references',
  'subject',
];
const TRACE_FIELDS = [
  'received',
  'return-path',
  'received-spf',
  'authentication-results',
  'dkim-signature',
  // RFC 3834: read by auto-responders (and by our graymail classifier) as "sent by a machine".
  'auto-submitted',
];
// Resent-* are trace fields (RFC 5322 §3.6.6); List-* (RFC 2369, RFC 2919) name a mailing list,
// and admins filter bulk mail on List-Id.
const TRACE_PREFIXES = ['arc-', 'list-', 'resent-', 'x-ses-'];

/** A header field name a policy may add to delivered mail: see reservedHeaderReason. */
export const addedHeaderName = headerName.superRefine((name, ctx) => {
  const reason = reservedHeaderReason(name);
  if (reason)
    ctx.addIssue({
      code: 'custom',
      message: `cannot add ${name}: ${reason}; use a name of your own such as X-Policy`,
    });
});

/** A header value we may write: printable US-ASCII, no line breaks (so nothing can be injected). */
export const headerValue = z
  .string()
  .max(900, 'must be at most 900 characters')
  .regex(/^[\x20-\x7e]*$/, 'must be printable US-ASCII (no line breaks or non-ASCII characters)');

/** `host` or `host:port` (IPv6 literals in brackets: `[2001:db8::1]:25`). */
export const hostAndPort = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(value);
    const plain = /^([^:[\]\s]+)(?::(\d{1,5}))?$/.exec(value);
    const match = bracketed ?? plain;
    const port = match?.[2] === undefined ? undefined : Number(match[2]);
    const host = match?.[1];
    const hostOk = host !== undefined && hostName.safeParse(host).success;
    if (!hostOk || (port !== undefined && (port < 1 || port > 65535))) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be host or host:port, e.g. mx2.example.com or 10.0.0.5:2525',
      });
      return z.NEVER;
    }
    return { host: host as string, ...(port === undefined ? {} : { port }) };
  });
