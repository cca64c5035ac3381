import type {
  ActionSettings,
  GraymailActionSettings,
  IncomingPolicyConfig,
  PolicyEngine,
} from '../config/policy-schema.ts';
import type { GraywallConfig } from '../config/schema.ts';

/** A policy with every setting filled in (the default policy's where it said nothing). */
export interface EffectivePolicy {
  readonly name: string;
  readonly engine: PolicyEngine;
  readonly positiveThreshold: number;
  readonly suspectThreshold: number;
  readonly suspectScanning: boolean;
  readonly positive: ActionSettings;
  readonly suspect: ActionSettings;
  readonly unscannable: ActionSettings;
  readonly graymail: EffectiveGraymail;
}

export interface EffectiveGraymail {
  readonly marketing: GraymailActionSettings;
  readonly social: GraymailActionSettings;
  readonly bulk: GraymailActionSettings;
  readonly monitorOnly: boolean;
  readonly onlyUnsigned: boolean;
}

export type MatchingPolicy = EffectivePolicy & {
  readonly recipients: readonly string[];
  readonly senders: readonly string[];
};

export interface PolicyTable {
  readonly incoming: readonly MatchingPolicy[];
  /** For mail from our own domains. */
  readonly outgoing: readonly MatchingPolicy[];
  /** Our domains: a sender in one of them (or a subdomain) makes the mail outgoing. */
  readonly ownDomains: readonly string[];
  readonly fallback: EffectivePolicy;
}

export const DEFAULT_POLICY_NAME = 'default';

/** Fills each incoming policy's gaps from the default policy and the global thresholds. */
export function resolvePolicies(
  config: Pick<GraywallConfig, 'antispam' | 'policies' | 'domains'>,
): PolicyTable {
  const base = config.policies.default;
  const fallback: EffectivePolicy = {
    name: DEFAULT_POLICY_NAME,
    engine: base.engine,
    positiveThreshold: config.antispam.positiveThreshold,
    suspectThreshold: config.antispam.suspectThreshold,
    suspectScanning: base.suspectScanning,
    positive: base.positive,
    suspect: base.suspect,
    unscannable: base.unscannable,
    graymail: base.graymail,
  };
  const resolve = (policy: IncomingPolicyConfig): MatchingPolicy => ({
    name: policy.name,
    recipients: policy.recipients,
    senders: policy.senders,
    engine: policy.engine ?? fallback.engine,
    positiveThreshold: policy.positiveThreshold ?? fallback.positiveThreshold,
    suspectThreshold: policy.suspectThreshold ?? fallback.suspectThreshold,
    suspectScanning: policy.suspectScanning ?? fallback.suspectScanning,
    positive: policy.positive ?? fallback.positive,
    suspect: policy.suspect ?? fallback.suspect,
    unscannable: policy.unscannable ?? fallback.unscannable,
    graymail: {
      marketing: policy.graymail?.marketing ?? fallback.graymail.marketing,
      social: policy.graymail?.social ?? fallback.graymail.social,
      bulk: policy.graymail?.bulk ?? fallback.graymail.bulk,
      monitorOnly: policy.graymail?.monitorOnly ?? fallback.graymail.monitorOnly,
      onlyUnsigned: policy.graymail?.onlyUnsigned ?? fallback.graymail.onlyUnsigned,
    },
  });
  return {
    fallback,
    incoming: config.policies.incoming.map(resolve),
    outgoing: config.policies.outgoing.map(resolve),
    ownDomains: config.domains,
  };
}

/**
 * Whether an address matches a pattern: `user@example.com` exactly, `example.com` any
 * address at that domain, `.example.com` any address at a subdomain of it. Case-insensitive
 * (domains are, RFC 5321 §2.4; local parts are treated so too, as receiving systems do).
 */
export function addressMatches(pattern: string, address: string): boolean {
  const candidate = address.toLowerCase();
  if (pattern.includes('@')) return candidate === pattern;
  const domain = candidate.slice(candidate.lastIndexOf('@') + 1);
  if (pattern.startsWith('.')) return domain.endsWith(pattern) && domain.length > pattern.length;
  return domain === pattern;
}

/**
 * Whether every address `pattern` matches is also matched by `wider` (see addressMatches):
 * an address by a pattern matching it, a domain by itself or a `.parent` pattern above it,
 * a `.domain` pattern by itself or a `.parent` pattern at or above it.
 */
export function patternCovers(wider: string, pattern: string): boolean {
  if (wider === pattern) return true;
  if (pattern.includes('@')) return addressMatches(wider, pattern);
  if (!wider.startsWith('.')) return false;
  const domain = pattern.replace(/^\./, '');
  return domain === wider.slice(1) ? pattern.startsWith('.') : domain.endsWith(wider);
}

/**
 * The policy for one recipient of a message from `sender`: mail from one of our own domains
 * is outgoing, anything else incoming; in that table, the first policy whose recipient
 * patterns match the recipient and whose sender patterns match the sender (a policy naming
 * only one side matches on that side alone); the default policy otherwise.
 *
 * Anyone can write our domain in MAIL FROM, so a sender address alone never makes mail
 * outgoing (an outgoing policy that scans less would be a spoofer's way in): SPF must have
 * passed for it (RFC 7208 checks exactly the MAIL FROM domain, unlike DMARC, which vouches
 * for the From header's).
 */
export function policyFor(
  table: PolicyTable,
  sender: string,
  recipient: string,
  senderAuthenticated = false,
): EffectivePolicy {
  const outgoing =
    senderAuthenticated &&
    table.ownDomains.some((domain) => addressMatches(domain, sender) || addressMatches(`.${domain}`, sender));
  for (const policy of outgoing ? table.outgoing : table.incoming) {
    const recipientOk =
      policy.recipients.length === 0 || policy.recipients.some((p) => addressMatches(p, recipient));
    const senderOk = policy.senders.length === 0 || policy.senders.some((p) => addressMatches(p, sender));
    if (recipientOk && senderOk) return policy;
  }
  return table.fallback;
}
