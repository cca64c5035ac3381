/**
 * Why an unsubscribe target was refused. Every refusal carries a stable code (for tracking
 * records and tests) and a sentence written for the recipient, who sees it on the block page
 * instead of the sender's link. The sentences name no internal detail; `detail` holds the
 * offending value (host, address, URL) for the tracking record and logs, and must be escaped
 * like any other untrusted text wherever it is shown.
 */
export const REFUSAL = {
  MALFORMED_URI: 'MALFORMED_URI',
  URI_TOO_LONG: 'URI_TOO_LONG',
  SCHEME_NOT_ALLOWED: 'SCHEME_NOT_ALLOWED',
  USERINFO_IN_URI: 'USERINFO_IN_URI',
  PORT_NOT_ALLOWED: 'PORT_NOT_ALLOWED',
  IP_LITERAL_HOST: 'IP_LITERAL_HOST',
  SINGLE_LABEL_HOST: 'SINGLE_LABEL_HOST',
  LOCAL_HOST_NAME: 'LOCAL_HOST_NAME',
  INVALID_HOST_NAME: 'INVALID_HOST_NAME',
  MIXED_SCRIPT_HOST: 'MIXED_SCRIPT_HOST',
  CONFUSABLE_HOST: 'CONFUSABLE_HOST',
  BLOCKLISTED_HOST: 'BLOCKLISTED_HOST',
  MAILTO_NOT_SINGLE_RECIPIENT: 'MAILTO_NOT_SINGLE_RECIPIENT',
  MAILTO_OWN_ADDRESS: 'MAILTO_OWN_ADDRESS',
  MAILTO_SENDER_NOT_VERIFIED: 'MAILTO_SENDER_NOT_VERIFIED',
  MAILTO_OTHER_DOMAIN: 'MAILTO_OTHER_DOMAIN',
  INVALID_ADDRESS: 'INVALID_ADDRESS',
  UNSPECIFIED_ADDRESS: 'UNSPECIFIED_ADDRESS',
  LOOPBACK_ADDRESS: 'LOOPBACK_ADDRESS',
  PRIVATE_ADDRESS: 'PRIVATE_ADDRESS',
  LINK_LOCAL_ADDRESS: 'LINK_LOCAL_ADDRESS',
  METADATA_ADDRESS: 'METADATA_ADDRESS',
  SHARED_ADDRESS: 'SHARED_ADDRESS',
  MULTICAST_ADDRESS: 'MULTICAST_ADDRESS',
  BROADCAST_ADDRESS: 'BROADCAST_ADDRESS',
  RESERVED_ADDRESS: 'RESERVED_ADDRESS',
  BENCHMARKING_ADDRESS: 'BENCHMARKING_ADDRESS',
  DOCUMENTATION_ADDRESS: 'DOCUMENTATION_ADDRESS',
  TOO_MANY_REDIRECTS: 'TOO_MANY_REDIRECTS',
  REDIRECT_DOWNGRADE: 'REDIRECT_DOWNGRADE',
} as const;

export type RefusalCode = (typeof REFUSAL)[keyof typeof REFUSAL];

export interface Refusal {
  readonly code: RefusalCode;
  /** One sentence for the recipient's block page. Plain text: escape it when rendering. */
  readonly message: string;
  /** The offending value (untrusted, from the mail or its DNS), for tracking and logs. */
  readonly detail?: string;
}

const MESSAGES: Readonly<Record<RefusalCode, string>> = {
  MALFORMED_URI: 'The unsubscribe link is not a well-formed web or mail address.',
  URI_TOO_LONG: 'The unsubscribe link is unusually long.',
  SCHEME_NOT_ALLOWED: 'The unsubscribe link is not an ordinary web (https or http) or mail (mailto) link.',
  USERINFO_IN_URI:
    'The unsubscribe link hides a user name or password in the address, a trick used to disguise where a link really goes.',
  PORT_NOT_ALLOWED: 'The unsubscribe link points at an unusual network port rather than a normal website.',
  IP_LITERAL_HOST: 'The unsubscribe link points at a bare network address instead of a domain name.',
  SINGLE_LABEL_HOST: 'The unsubscribe link points at a name that is not a public domain.',
  LOCAL_HOST_NAME: 'The unsubscribe link points at a local or reserved name, not a public website.',
  INVALID_HOST_NAME: 'The domain name in the unsubscribe link is not valid.',
  MIXED_SCRIPT_HOST:
    'The domain name in the unsubscribe link mixes alphabets, a trick used to imitate well-known names.',
  CONFUSABLE_HOST:
    'The domain name in the unsubscribe link is spelt with letters that imitate Latin ones, a trick used to impersonate well-known names.',
  BLOCKLISTED_HOST: "The domain in the unsubscribe link is on your organisation's blocklist.",
  MAILTO_NOT_SINGLE_RECIPIENT: 'The unsubscribe mail link must name exactly one recipient.',
  MAILTO_OWN_ADDRESS:
    'The unsubscribe mail link would send a message from you to your own organisation, not to the sender.',
  MAILTO_SENDER_NOT_VERIFIED:
    'The unsubscribe mail link would send a message from you, and the sender of this message is not verified: we send no mail in your name to an address it names.',
  MAILTO_OTHER_DOMAIN:
    "The unsubscribe mail link would send a message from you to an address that is not the sender's own: outside its domain, or another user's at a shared mail service.",
  INVALID_ADDRESS: 'The unsubscribe link led to a network address that could not be checked.',
  UNSPECIFIED_ADDRESS: 'The unsubscribe link led to an unspecified network address.',
  LOOPBACK_ADDRESS: "The unsubscribe link led back into the mail filter's own machine.",
  PRIVATE_ADDRESS: 'The unsubscribe link led to a private network address, never a public website.',
  LINK_LOCAL_ADDRESS: 'The unsubscribe link led to a link-local network address, never a public website.',
  METADATA_ADDRESS: 'The unsubscribe link led to a cloud metadata service, a classic attack on servers.',
  SHARED_ADDRESS: "The unsubscribe link led to a carrier's internal (shared) network address.",
  MULTICAST_ADDRESS: 'The unsubscribe link led to a multicast network address.',
  BROADCAST_ADDRESS: 'The unsubscribe link led to a broadcast network address.',
  RESERVED_ADDRESS: 'The unsubscribe link led to a reserved network address that no public website uses.',
  BENCHMARKING_ADDRESS: 'The unsubscribe link led to a network address reserved for benchmarking.',
  DOCUMENTATION_ADDRESS: 'The unsubscribe link led to a network address reserved for documentation.',
  TOO_MANY_REDIRECTS: 'The unsubscribe link redirected too many times.',
  REDIRECT_DOWNGRADE: 'The unsubscribe link redirected from a secure (https) page to an insecure (http) one.',
};

export function refuse(code: RefusalCode, detail?: string): Refusal {
  return detail === undefined
    ? { code, message: MESSAGES[code] }
    : { code, message: MESSAGES[code], detail: detail.slice(0, 300) };
}
