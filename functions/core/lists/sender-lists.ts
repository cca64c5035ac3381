import { addressMatches } from '../policy/match-policy.ts';
import type { ListVerdict } from '../policy/plan-actions.ts';

export type ListKind = 'safe' | 'block';

/** `global` for the whole organisation, or one recipient's own list. */
export type ListScope = { readonly type: 'global' } | { readonly type: 'user'; readonly address: string };

export interface ListEntry {
  readonly scope: ListScope;
  readonly kind: ListKind;
  /** An address, a domain, or `.domain` for its subdomains (the policy matcher forms). */
  readonly entry: string;
  readonly addedBy: string;
  readonly addedAt: string;
}

export interface ListMatch {
  readonly verdict: ListVerdict;
  readonly entry: ListEntry;
}

/**
 * The list entries a sender could match, most specific first: the address, its domain, and
 * `.parent` wildcards for each parent domain with at least two labels (never a bare TLD).
 */
export function candidateEntries(sender: string): string[] {
  const address = sender.toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return [];
  const domain = address.slice(at + 1);
  const labels = domain.split('.');
  const parents: string[] = [];
  for (let i = 1; i < labels.length - 1; i++) parents.push(`.${labels.slice(i).join('.')}`);
  return [address, domain, ...parents];
}

/**
 * Decides the list outcome for each recipient. Precedence: the organisation's blocklist
 * (an admin decision no end user can undo), then the recipient's own blocklist, the
 * recipient's own safelist, and last the organisation's safelist.
 */
export function decideLists(
  sender: string,
  recipients: readonly string[],
  entries: readonly ListEntry[],
): Map<string, ListMatch> {
  const matching = entries.filter((e) => addressMatches(e.entry, sender));
  const find = (kind: ListKind, scope: (s: ListScope) => boolean) =>
    matching.find((e) => e.kind === kind && scope(e.scope));
  const isGlobal = (s: ListScope) => s.type === 'global';
  const globalBlock = find('block', isGlobal);
  const globalSafe = find('safe', isGlobal);
  const out = new Map<string, ListMatch>();
  for (const recipient of recipients) {
    const own = (s: ListScope) => s.type === 'user' && s.address === recipient.toLowerCase();
    const ownBlock = find('block', own);
    const ownSafe = find('safe', own);
    const hit = globalBlock ?? ownBlock ?? ownSafe ?? globalSafe;
    if (hit) out.set(recipient, { verdict: hit.kind === 'block' ? 'blocklisted' : 'safelisted', entry: hit });
  }
  return out;
}

export function describeListMatch(match: ListMatch): string {
  const where = match.entry.scope.type === 'global' ? "the organisation's" : `${match.entry.scope.address}'s`;
  return `sender matches ${match.entry.entry} on ${where} ${match.entry.kind === 'safe' ? 'safelist' : 'blocklist'}`;
}
