import { type IpAddress, readIpLiteral } from '../net/ip-address.ts';
import { type IpRange, parseIpRanges, rangeContains } from '../net/ip-range.ts';
import type { Reason } from '../scan/types.ts';
import type { ReputationConfig } from './reputation-config.ts';
import type { UrlHost } from './url-hosts.ts';

/**
 * The organisation's own reputation lists as reasons: blocked or allowed sender IPs, sender
 * domains and link hosts. Pure: the lists come compiled from config, the message's facts
 * from the caller.
 */

export const REPUTATION_REASON = {
  IP_BLOCKLISTED: 'IP_BLOCKLISTED',
  IP_ALLOWLISTED: 'IP_ALLOWLISTED',
  SENDER_DOMAIN_BLOCKLISTED: 'SENDER_DOMAIN_BLOCKLISTED',
  SENDER_DOMAIN_ALLOWLISTED: 'SENDER_DOMAIN_ALLOWLISTED',
  /** Explains why an allowlisted sender domain earned nothing: it was not authenticated. */
  SENDER_DOMAIN_ALLOWLIST_UNAUTHENTICATED: 'SENDER_DOMAIN_ALLOWLIST_UNAUTHENTICATED',
  URI_BLOCKLISTED: 'URI_BLOCKLISTED',
} as const;
export type ReputationReasonId = (typeof REPUTATION_REASON)[keyof typeof REPUTATION_REASON];

export const REPUTATION_REASON_SCORES: Readonly<Record<ReputationReasonId, number>> = {
  IP_BLOCKLISTED: 60,
  IP_ALLOWLISTED: -30,
  SENDER_DOMAIN_BLOCKLISTED: 60,
  SENDER_DOMAIN_ALLOWLISTED: -30,
  SENDER_DOMAIN_ALLOWLIST_UNAUTHENTICATED: 0,
  URI_BLOCKLISTED: 40,
};

const DESCRIPTIONS: Readonly<Record<ReputationReasonId, string>> = {
  IP_BLOCKLISTED: "The sender IP is on the organisation's blocklist",
  IP_ALLOWLISTED: "The sender IP is on the organisation's allowlist",
  SENDER_DOMAIN_BLOCKLISTED: "The sender domain is on the organisation's blocklist",
  SENDER_DOMAIN_ALLOWLISTED: "The sender domain is on the organisation's allowlist and authenticated",
  SENDER_DOMAIN_ALLOWLIST_UNAUTHENTICATED:
    "The sender domain is on the organisation's allowlist but not authenticated (SPF/DKIM/DMARC), so it earns nothing",
  URI_BLOCKLISTED: "The message links to a host on the organisation's blocklist",
};

/** A domain list: entry → itself, looked up by each suffix of a host (O(labels) per host). */
export type DomainList = ReadonlySet<string>;

export interface CompiledReputation {
  readonly blockIps: readonly IpRange[];
  readonly allowIps: readonly IpRange[];
  readonly blockSenderDomains: DomainList;
  readonly allowSenderDomains: DomainList;
  readonly blockUriDomains: DomainList;
  readonly allowUriDomains: DomainList;
}

/** Parses the validated lists once per container. */
export function compileReputation(config: ReputationConfig): CompiledReputation {
  return {
    blockIps: parseIpRanges(config.ips.block),
    allowIps: parseIpRanges(config.ips.allow),
    blockSenderDomains: new Set(config.senderDomains.block),
    allowSenderDomains: new Set(config.senderDomains.allow),
    blockUriDomains: new Set(config.uriDomains.block),
    allowUriDomains: new Set(config.uriDomains.allow),
  };
}

export interface ReputationFacts {
  /** From `determineSenderIp`: the relay-aware sender IP. */
  readonly senderIp?: string;
  /** MAIL FROM address (empty for the null reverse-path). */
  readonly envelopeFrom?: string;
  /** The From header address. */
  readonly fromAddress?: string;
  /**
   * Domains authentication vouched for: the From domain when DMARC passed, the MAIL FROM
   * domain when SPF passed, `d=` of a verifying DKIM signature. A From domain costs nothing
   * to forge, so an allowlisted sender domain counts only when it is in here.
   */
  readonly authenticatedDomains?: readonly string[];
  /** From `extractUrlHosts`. */
  readonly urlHosts?: readonly UrlHost[];
}

const MAX_EVIDENCE = 120;
const MAX_HOSTS_IN_EVIDENCE = 3;

export function reputationReasons(
  facts: ReputationFacts,
  lists: CompiledReputation,
  scores: Partial<Record<ReputationReasonId, number>> = {},
): Reason[] {
  const reasons: Reason[] = [];
  const add = (id: ReputationReasonId, group: Reason['group'], evidence: string) =>
    reasons.push({
      id,
      group,
      description: DESCRIPTIONS[id],
      score: scores[id] ?? REPUTATION_REASON_SCORES[id],
      evidence: clip(evidence),
    });

  const ip = facts.senderIp === undefined ? undefined : readIpLiteral(facts.senderIp);
  if (ip) {
    const verdict = decideIp(ip, lists);
    if (verdict?.kind === 'block')
      add(REPUTATION_REASON.IP_BLOCKLISTED, 'header', `${facts.senderIp} in ${verdict.range.text}`);
    if (verdict?.kind === 'allow')
      add(REPUTATION_REASON.IP_ALLOWLISTED, 'header', `${facts.senderIp} in ${verdict.range.text}`);
  }

  const authenticated = new Set((facts.authenticatedDomains ?? []).map((d) => d.toLowerCase()));
  const senders = [
    { label: 'MAIL FROM', domain: domainOfAddress(facts.envelopeFrom) },
    { label: 'From', domain: domainOfAddress(facts.fromAddress) },
  ].filter((s): s is { label: string; domain: string } => s.domain !== undefined);
  const blocked: string[] = [];
  const allowed: { label: string; domain: string; entry: string }[] = [];
  for (const sender of senders) {
    const verdict = decideDomain(sender.domain, lists.blockSenderDomains, lists.allowSenderDomains);
    if (verdict?.kind === 'block') blocked.push(`${sender.label} ${sender.domain} (${verdict.entry})`);
    if (verdict?.kind === 'allow') allowed.push({ ...sender, entry: verdict.entry });
  }
  if (blocked.length > 0) add(REPUTATION_REASON.SENDER_DOMAIN_BLOCKLISTED, 'header', blocked.join(', '));
  else if (allowed.length > 0) {
    const vouched = allowed.find((a) => authenticated.has(a.domain));
    if (vouched) {
      add(
        REPUTATION_REASON.SENDER_DOMAIN_ALLOWLISTED,
        'header',
        `${vouched.label} ${vouched.domain} (${vouched.entry})`,
      );
    } else {
      const first = allowed[0] as { label: string; domain: string };
      add(
        REPUTATION_REASON.SENDER_DOMAIN_ALLOWLIST_UNAUTHENTICATED,
        'header',
        `${first.label} ${first.domain}`,
      );
    }
  }

  const blockedHosts: string[] = [];
  for (const url of facts.urlHosts ?? []) {
    const hit = url.isIp
      ? ipHostBlocked(url.host, lists)
      : decideDomain(url.host, lists.blockUriDomains, lists.allowUriDomains);
    if (hit?.kind === 'block') blockedHosts.push(url.host);
  }
  if (blockedHosts.length > 0) {
    const more =
      blockedHosts.length > MAX_HOSTS_IN_EVIDENCE
        ? ` and ${blockedHosts.length - MAX_HOSTS_IN_EVIDENCE} more`
        : '';
    add(
      REPUTATION_REASON.URI_BLOCKLISTED,
      'uri',
      `${blockedHosts.slice(0, MAX_HOSTS_IN_EVIDENCE).join(', ')}${more}`,
    );
  }
  return reasons;
}

type IpVerdict = { readonly kind: 'block' | 'allow'; readonly range: IpRange };

/** The most specific matching entry wins; on a tie, the blocklist. */
function decideIp(ip: IpAddress, lists: CompiledReputation): IpVerdict | undefined {
  let best: IpVerdict | undefined;
  let bestSize: bigint | undefined;
  const consider = (kind: 'block' | 'allow', ranges: readonly IpRange[]) => {
    for (const range of ranges) {
      if (!rangeContains(range, ip)) continue;
      const size = rangeSize(range);
      if (bestSize === undefined || size < bestSize) {
        best = { kind, range };
        bestSize = size;
      }
    }
  };
  consider('block', lists.blockIps);
  consider('allow', lists.allowIps);
  return best;
}

function rangeSize(range: IpRange): bigint {
  let first = 0n;
  let last = 0n;
  for (let i = 0; i < range.first.length; i++) {
    first = (first << 8n) | BigInt(range.first[i] as number);
    last = (last << 8n) | BigInt(range.last[i] as number);
  }
  return last - first;
}

/** A link to a bare IP is judged by the IP lists. */
function ipHostBlocked(host: string, lists: CompiledReputation): { kind: 'block' | 'allow' } | undefined {
  const ip = readIpLiteral(host);
  return ip ? decideIp(ip, lists) : undefined;
}

type DomainVerdict = { readonly kind: 'block' | 'allow'; readonly entry: string };

/**
 * Looks `domain` and each parent up in both lists, most specific first: the first suffix
 * found decides (blocklist first on the same suffix). Never the bare top-level label.
 */
export function decideDomain(
  domain: string,
  block: DomainList,
  allow: DomainList,
): DomainVerdict | undefined {
  if (domain.length > 253) return undefined;
  const labels = domain.toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const suffix = labels.slice(i).join('.');
    if (block.has(suffix)) return { kind: 'block', entry: suffix };
    if (allow.has(suffix)) return { kind: 'allow', entry: suffix };
  }
  return undefined;
}

function domainOfAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const at = address.lastIndexOf('@');
  const domain = address
    .slice(at + 1)
    .replace(/>$/, '')
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
  return domain.includes('.') && domain.length <= 253 ? domain : undefined;
}

function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_EVIDENCE ? `${clean.slice(0, MAX_EVIDENCE - 1)}…` : clean;
}
