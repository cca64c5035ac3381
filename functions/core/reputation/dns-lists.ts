import { parseIp, readIpLiteral, reversedIpName } from '../net/ip-address.ts';
import { findRange, type IpRange, parseIpRanges } from '../net/ip-range.ts';
import type { Reason } from '../scan/types.ts';
import { type DomainList, decideDomain } from './local-lists.ts';
import type { DnsListsConfig, DnsZoneConfig } from './reputation-config.ts';
import type { UrlHost } from './url-hosts.ts';

/**
 * DNS-based block lists (RFC 5782): which names to query, and what the answers mean. The
 * queries themselves go through `DnsListPort`, implemented over DNS in
 * functions/adapters/dns-lists.ts and by a fake in tests.
 *
 * - IP lists (DNSBL, §2.1 and §2.4): `<reversed sender IP>.<zone>`.
 * - Domain lists (URIBL/SURBL/DBL, §2.2): `<domain>.<zone>`, for link hosts and sender
 *   domains. Lists list registered domains and some subdomains; without a public-suffix
 *   table, the last two and the last three labels are both asked (so `evil.co.uk` and
 *   `evil.example.com` are both covered), at most two queries per host.
 * - An A record in 127.0.0.0/8 means listed (§2.3); 127.0.0.1 never is (§5), and
 *   127.255.255.0/24 are error codes some lists return to refused resolvers.
 */

export type DnsListKind = 'ip' | 'domain';

export interface DnsListQuery {
  /** The name to resolve (A record). */
  readonly name: string;
  readonly zone: string;
  readonly kind: DnsListKind;
  /** The IP or domain asked about (for evidence). */
  readonly subject: string;
}

export type DnsListStatus = 'listed' | 'not-listed' | 'timeout' | 'error' | 'skipped';

export interface DnsListAnswer {
  readonly query: DnsListQuery;
  readonly status: DnsListStatus;
  /** The A records returned (listed answers only). */
  readonly addresses?: readonly string[];
}

/** Looks queries up; resolves every query to an answer, never rejects. */
export interface DnsListPort {
  lookup(queries: readonly DnsListQuery[]): Promise<readonly DnsListAnswer[]>;
}

export interface DnsListFacts {
  readonly senderIp?: string;
  readonly senderDomains?: readonly string[];
  readonly urlHosts?: readonly UrlHost[];
}

/**
 * Addresses never sent to a public list: private, loopback, link-local and unique-local
 * space (RFC 1918, RFC 4193, RFC 4291). Lists do not hold them, and asking would tell a
 * third party about the organisation's internal network.
 */
const NOT_PUBLIC: readonly IpRange[] = parseIpRanges([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::1',
  '::',
  'fc00::/7',
  'fe80::/10',
]);

const DEFAULT_LISTED: readonly IpRange[] = parseIpRanges(['127.0.0.2-127.255.254.255']);

/** The queries for one message, deduplicated, at most `config.maxQueries`. */
export function planDnsListQueries(
  facts: DnsListFacts,
  config: DnsListsConfig,
  allowUriDomains: DomainList = new Set(),
): DnsListQuery[] {
  if (!config.enabled) return [];
  const queries = new Map<string, DnsListQuery>();
  const add = (query: DnsListQuery) => {
    if (queries.size < config.maxQueries && query.name.length <= 253) queries.set(query.name, query);
  };
  const ip = facts.senderIp === undefined ? undefined : readIpLiteral(facts.senderIp);
  if (ip && !findRange(NOT_PUBLIC, ip)) {
    const reversed = reversedIpName(ip);
    for (const zone of config.ip) {
      add({
        name: `${reversed}.${zone.zone}`,
        zone: zone.zone,
        kind: 'ip',
        subject: facts.senderIp as string,
      });
    }
  }
  const domains = [
    ...(facts.senderDomains ?? []),
    ...(facts.urlHosts ?? []).filter((h) => !h.isIp).map((h) => h.host),
  ];
  const noBlock: DomainList = new Set();
  for (const domain of domains) {
    // Allowlisted hosts (the organisation's own, its partners') are never looked up.
    if (decideDomain(domain, noBlock, allowUriDomains)) continue;
    for (const candidate of registeredCandidates(domain)) {
      for (const zone of config.domain) {
        add({ name: `${candidate}.${zone.zone}`, zone: zone.zone, kind: 'domain', subject: candidate });
      }
    }
  }
  return [...queries.values()];
}

function registeredCandidates(domain: string): string[] {
  const labels = domain.toLowerCase().split('.').filter(Boolean);
  if (labels.length < 2) return [];
  const two = labels.slice(-2).join('.');
  return labels.length >= 3 ? [two, labels.slice(-3).join('.')] : [two];
}

export const DNS_LIST_REASON = {
  IP_DNSBL_LISTED: 'IP_DNSBL_LISTED',
  DOMAIN_DNSBL_LISTED: 'DOMAIN_DNSBL_LISTED',
  /** Some lookups did not answer in time or failed: the result may be missing a listing. */
  DNS_LIST_INCOMPLETE: 'DNS_LIST_INCOMPLETE',
} as const;

const MAX_EVIDENCE = 120;

/** One reason per zone that listed something (its configured score), plus a note if incomplete. */
export function dnsListReasons(answers: readonly DnsListAnswer[], config: DnsListsConfig): Reason[] {
  const zones = new Map<
    string,
    { zone: DnsZoneConfig; kind: DnsListKind; listedCodes: readonly IpRange[] }
  >();
  for (const zone of config.ip)
    zones.set(`ip ${zone.zone}`, { zone, kind: 'ip', listedCodes: codesOf(zone) });
  for (const zone of config.domain) {
    zones.set(`domain ${zone.zone}`, { zone, kind: 'domain', listedCodes: codesOf(zone) });
  }
  const hits = new Map<string, string[]>();
  let incomplete = 0;
  for (const answer of answers) {
    const key = `${answer.query.kind} ${answer.query.zone}`;
    const zone = zones.get(key);
    if (!zone) continue;
    if (answer.status === 'timeout' || answer.status === 'error' || answer.status === 'skipped') {
      incomplete++;
      continue;
    }
    if (answer.status !== 'listed') continue;
    const codes = (answer.addresses ?? []).filter((a) => isListedCode(a, zone.listedCodes));
    if (codes.length === 0) continue;
    const list = hits.get(key) ?? [];
    list.push(`${answer.query.subject} (${codes[0]})`);
    hits.set(key, list);
  }
  const reasons: Reason[] = [];
  for (const [key, subjects] of hits) {
    const zone = zones.get(key);
    if (!zone) continue;
    const ipList = zone.kind === 'ip';
    reasons.push({
      id: ipList ? DNS_LIST_REASON.IP_DNSBL_LISTED : DNS_LIST_REASON.DOMAIN_DNSBL_LISTED,
      group: ipList ? 'header' : 'uri',
      description: `${ipList ? 'The sender IP' : 'A sender or link domain'} is listed by ${zone.zone.zone}`,
      score: zone.zone.score,
      evidence: clip(`${zone.zone.zone}: ${subjects.join(', ')}`),
    });
  }
  if (incomplete > 0) {
    reasons.push({
      id: DNS_LIST_REASON.DNS_LIST_INCOMPLETE,
      group: 'engine',
      description: 'Some DNS list lookups timed out or failed; listings may be missing',
      score: 0,
      evidence: `${incomplete} of ${answers.length} lookups unanswered`,
    });
  }
  return reasons;
}

function codesOf(zone: DnsZoneConfig): readonly IpRange[] {
  return zone.listedCodes ? parseIpRanges(zone.listedCodes) : DEFAULT_LISTED;
}

function isListedCode(address: string, codes: readonly IpRange[]): boolean {
  const ip = parseIp(address);
  if (ip?.family !== 4) return false;
  const [a, b, c, d] = ip.bytes;
  // 127.0.0.1 is never a listing (RFC 5782 §5), whatever the configured codes say.
  if (a === 127 && b === 0 && c === 0 && d === 1) return false;
  return findRange(codes, ip) !== undefined;
}

function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_EVIDENCE ? `${clean.slice(0, MAX_EVIDENCE - 1)}…` : clean;
}
