import { addressMatches } from '../policy/match-policy.ts';
import type { ListVerdict } from '../policy/plan-actions.ts';
import type { SesVerdicts } from '../scan/types.ts';

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
 * Who the message says it is from, and whether that was verified: the envelope sender
 * (RFC 5321 MAIL FROM) is vouched for by SPF passing for its domain (RFC 7208); the header
 * From address (RFC 5322) by DMARC passing, which needs SPF or DKIM aligned with its domain
 * (RFC 7489).
 */
export interface SenderIdentities {
  readonly envelope?: { readonly address: string; readonly authenticated: boolean };
  readonly header?: { readonly address: string; readonly authenticated: boolean };
}

/** The identities of a received message, each vouched for by SES's (or the gateway's) verdicts. */
export function senderIdentitiesOf(
  envelopeFrom: string,
  from: string | undefined,
  ses: Pick<SesVerdicts, 'spf' | 'dmarc'>,
): SenderIdentities {
  return {
    ...(envelopeFrom ? { envelope: { address: envelopeFrom, authenticated: ses.spf === 'PASS' } } : {}),
    ...(from ? { header: { address: from, authenticated: ses.dmarc === 'PASS' } } : {}),
  };
}

/**
 * The address a recipient's safelist entry should name so that it applies to this sender's
 * next message: the From address when DMARC vouched for it (it is what the user sees, and
 * stays the same when the envelope carries a per-message bounce address), else the envelope
 * sender when SPF passed for it. Undefined when neither identity is authenticated: an entry
 * would never apply (see decideLists), so offering one would be a promise we cannot keep.
 */
export function safelistableAddress(sender: SenderIdentities): string | undefined {
  if (sender.header?.authenticated && sender.header.address) return sender.header.address.toLowerCase();
  if (sender.envelope?.authenticated && sender.envelope.address) return sender.envelope.address.toLowerCase();
  return undefined;
}

export interface ListMatch {
  readonly verdict: ListVerdict;
  readonly entry: ListEntry;
  /** Which of the sender's identities matched the entry. */
  readonly matched: 'envelope' | 'header';
  readonly address: string;
}

/**
 * Decides the list outcome for each recipient. Precedence: the organisation's blocklist
 * (an admin decision no end user can undo), then the recipient's own blocklist, the
 * recipient's own safelist, and last the organisation's safelist.
 *
 * Both identities are matched: the envelope sender and the header From (the address the
 * quarantine list and the recipient see). A blocklist entry applies on either, as claimed:
 * blocking a forged name only hurts the forger. A safelist entry applies only to an identity
 * that was authenticated; otherwise anyone could skip the spam verdict by writing a partner's
 * address. Safelist entries that matched an unverified identity are returned in `unverified`,
 * so the tracking record can say why they did not apply.
 */
export function decideLists(
  sender: SenderIdentities,
  recipients: readonly string[],
  entries: readonly ListEntry[],
): { readonly matches: Map<string, ListMatch>; readonly unverified: Map<string, ListMatch> } {
  const identities = (['envelope', 'header'] as const).flatMap((matched) => {
    const identity = sender[matched];
    return identity?.address ? [{ matched, ...identity }] : [];
  });
  const hits = entries.flatMap((entry) =>
    identities
      .filter((identity) => addressMatches(entry.entry, identity.address))
      .map((identity) => ({
        match: {
          verdict: entry.kind === 'block' ? 'blocklisted' : 'safelisted',
          entry,
          matched: identity.matched,
          address: identity.address,
        } satisfies ListMatch,
        applies: entry.kind === 'block' || identity.authenticated,
      })),
  );
  const find = (kind: ListKind, scope: (s: ListScope) => boolean, applies: boolean) =>
    hits.find((h) => h.match.entry.kind === kind && scope(h.match.entry.scope) && h.applies === applies)
      ?.match;
  const isGlobal = (s: ListScope) => s.type === 'global';
  const matches = new Map<string, ListMatch>();
  const unverified = new Map<string, ListMatch>();
  for (const recipient of recipients) {
    const own = (s: ListScope) => s.type === 'user' && s.address === recipient.toLowerCase();
    const hit =
      find('block', isGlobal, true) ??
      find('block', own, true) ??
      find('safe', own, true) ??
      find('safe', isGlobal, true);
    if (hit) matches.set(recipient, hit);
    else {
      const ignored = find('safe', own, false) ?? find('safe', isGlobal, false);
      if (ignored) unverified.set(recipient, ignored);
    }
  }
  return { matches, unverified };
}

function describeEntry(match: ListMatch): string {
  const where = match.entry.scope.type === 'global' ? "the organisation's" : `${match.entry.scope.address}'s`;
  const who = match.matched === 'envelope' ? 'envelope sender' : 'From address';
  return `${who} ${match.address} matches ${match.entry.entry} on ${where} ${match.entry.kind === 'safe' ? 'safelist' : 'blocklist'}`;
}

export function describeListMatch(match: ListMatch): string {
  if (match.entry.kind === 'block') return describeEntry(match);
  return `${describeEntry(match)} (${match.matched === 'envelope' ? 'SPF' : 'DMARC'} passed)`;
}

/** Why a safelist entry that matched was not applied. */
export function describeUnverifiedMatch(match: ListMatch): string {
  return (
    `${describeEntry(match)}, but ${match.matched === 'envelope' ? 'SPF did not pass for it' : 'DMARC did not pass for it'}: ` +
    'not applied (a safelist entry needs the sender authenticated, or anyone could use the address)'
  );
}
