import type { ActionSettings, GraymailActionSettings, PolicyEngine } from '../config/policy-schema.ts';
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

export interface PolicyTable {
  readonly incoming: ReadonlyArray<
    EffectivePolicy & { readonly recipients: readonly string[]; readonly senders: readonly string[] }
  >;
  readonly fallback: EffectivePolicy;
}

export const DEFAULT_POLICY_NAME = 'default';

/** Fills each incoming policy's gaps from the default policy and the global thresholds. */
export function resolvePolicies(config: Pick<GraywallConfig, 'antispam' | 'policies'>): PolicyTable {
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
  return {
    fallback,
    incoming: config.policies.incoming.map((policy) => ({
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
    })),
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
 * The policy for one recipient of a message from `sender`: the first incoming policy whose
 * recipient patterns match the recipient and whose sender patterns match the sender (a
 * policy naming only one side matches on that side alone); the default policy otherwise.
 */
export function policyFor(table: PolicyTable, sender: string, recipient: string): EffectivePolicy {
  for (const policy of table.incoming) {
    const recipientOk =
      policy.recipients.length === 0 || policy.recipients.some((p) => addressMatches(p, recipient));
    const senderOk = policy.senders.length === 0 || policy.senders.some((p) => addressMatches(p, sender));
    if (recipientOk && senderOk) return policy;
  }
  return table.fallback;
}
