import { z } from 'zod';
import { domainName } from '../config/fields.ts';
import { ipRangeEntry } from '../net/ip-range.ts';

/**
 * Sender and URL reputation from the organisation's own lists, and optionally from public
 * DNS-based lists (RFC 5782). Goes into the config under `antispam.reputation`.
 *
 * Domain entries match the domain and every subdomain (`example.com` covers
 * `mail.example.com`); `*.example.com` and `.example.com` are accepted as the same thing.
 * When a domain or an IP matches both lists, the more specific entry wins (a blocked
 * `ads.example.com` inside an allowed `example.com`; an allowed host inside a blocked /16).
 */

const MAX_ENTRIES = 10_000;

const domainEntry = z
  .string()
  .trim()
  .toLowerCase()
  .transform((value) => value.replace(/^\*?\./, '').replace(/\.$/, ''))
  .pipe(domainName);

const ipLists = z.strictObject({
  /** Sender IPs (after incoming-relay resolution) that make mail spam. */
  block: z.array(ipRangeEntry).max(MAX_ENTRIES).default([]),
  /** Sender IPs the organisation vouches for (partners, its own outbound servers). */
  allow: z.array(ipRangeEntry).max(MAX_ENTRIES).default([]),
});

const domainLists = z.strictObject({
  block: z.array(domainEntry).max(MAX_ENTRIES).default([]),
  allow: z.array(domainEntry).max(MAX_ENTRIES).default([]),
});

const dnsZone = z.strictObject({
  /** The list's zone, e.g. `zen.spamhaus.org` (IPs) or `dbl.spamhaus.org` (domains). */
  zone: domainName,
  /** Contribution when the list answers "listed". */
  score: z.number().min(0, 'must be 0 or more').max(100, 'must be 100 or less').default(30),
  /**
   * Answers that mean "listed". Default: any 127.0.0.0/8 address except 127.0.0.1 (RFC 5782
   * §5, never listed) and 127.255.255.0/24 (error codes such as "queries through public
   * resolvers are refused").
   */
  listedCodes: z.array(ipRangeEntry).max(50).optional(),
});

const dnsLists = z.strictObject({
  /** Off by default: each message then costs DNS queries to third parties. */
  enabled: z.boolean().default(false),
  /** Lists queried with the reversed sender IP (DNSBL, RFC 5782 §2.1/§2.4). */
  ip: z.array(dnsZone).max(10).default([]),
  /** Lists queried with URL host and sender domains (URIBL/SURBL/DBL, RFC 5782 §2.2). */
  domain: z.array(dnsZone).max(10).default([]),
  /** Per query. */
  queryTimeoutMs: z.number().int().min(100).max(10_000).default(1_500),
  /** For all queries of one message together: a slow list must not hold up the scan. */
  budgetMs: z.number().int().min(100).max(30_000).default(4_000),
  /** Queries per message at most (hosts beyond it are not looked up). */
  maxQueries: z.number().int().min(1).max(500).default(40),
});

export const reputationSchema = z
  .strictObject({
    ips: ipLists.prefault({}),
    /** Envelope sender (MAIL FROM) and From header domains. */
    senderDomains: domainLists.prefault({}),
    /** Hosts of links in the body. An allowed host is never looked up in DNS lists. */
    uriDomains: domainLists.prefault({}),
    dnsLists: dnsLists.prefault({}),
  })
  .prefault({});

export type ReputationConfig = z.output<typeof reputationSchema>;
export type ReputationInput = z.input<typeof reputationSchema>;
export type DnsListsConfig = ReputationConfig['dnsLists'];
export type DnsZoneConfig = z.output<typeof dnsZone>;
