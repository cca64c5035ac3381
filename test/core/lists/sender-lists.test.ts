import { describe, expect, it } from 'vitest';
import {
  candidateEntries,
  decideLists,
  describeListMatch,
  describeUnverifiedMatch,
  type ListEntry,
  safelistableAddress,
} from '../../../functions/core/lists/sender-lists.ts';

const entry = (scope: ListEntry['scope'], kind: ListEntry['kind'], value: string): ListEntry => ({
  scope,
  kind,
  entry: value,
  addedBy: 'admin',
  addedAt: '2026-11-25T00:00:00Z',
});
const global = { type: 'global' } as const;
const user = (address: string) => ({ type: 'user', address }) as const;

describe('candidateEntries', () => {
  it('lists the address, its domain and parent wildcards, never a bare TLD', () => {
    expect(candidateEntries('Ann@Mail.Sub.Example.org')).toEqual([
      'ann@mail.sub.example.org',
      'mail.sub.example.org',
      '.sub.example.org',
      '.example.org',
    ]);
    expect(candidateEntries('')).toEqual([]);
  });
});

describe('decideLists', () => {
  const sender = 'x@news.example.org';
  const verified = { envelope: { address: sender, authenticated: true } };
  const verdicts = (result: ReturnType<typeof decideLists>['matches']) =>
    Object.fromEntries([...result].map(([r, m]) => [r, [m.verdict, m.entry.entry]]));

  it('puts the organisation blocklist first, then the recipient own lists, then the organisation safelist', () => {
    const entries = [
      entry(global, 'safe', 'example.org'),
      entry(user('a@corp.example'), 'safe', '.example.org'),
      entry(user('b@corp.example'), 'block', sender),
    ];
    const result = decideLists(verified, ['a@corp.example', 'b@corp.example', 'c@corp.example'], entries);
    expect(verdicts(result.matches)).toEqual({
      'a@corp.example': ['safelisted', '.example.org'],
      'b@corp.example': ['blocklisted', sender],
    });
    const withGlobalBlock = decideLists(
      verified,
      ['a@corp.example'],
      [...entries, entry(global, 'block', 'news.example.org')],
    );
    expect(withGlobalBlock.matches.get('a@corp.example')?.verdict).toBe('blocklisted');
  });

  it('ignores entries that do not match the sender', () => {
    expect(
      decideLists(verified, ['a@corp.example'], [entry(global, 'block', 'other.example')]).matches.size,
    ).toBe(0);
  });

  it('applies a safelist entry only to an authenticated identity, and reports the one it did not apply', () => {
    const entries = [entry(global, 'safe', 'partner.example')];
    // Forged: the envelope claims the partner, SPF did not pass.
    const forged = decideLists(
      { envelope: { address: 'ceo@partner.example', authenticated: false } },
      ['a@corp.example'],
      entries,
    );
    expect(forged.matches.size).toBe(0);
    const ignored = forged.unverified.get('a@corp.example');
    expect(ignored && describeUnverifiedMatch(ignored)).toBe(
      "envelope sender ceo@partner.example matches partner.example on the organisation's safelist, but SPF did not pass for it: " +
        'not applied (a safelist entry needs the sender authenticated, or anyone could use the address)',
    );
    // The header From counts when DMARC passed for it, whatever the envelope says.
    const viaHeader = decideLists(
      {
        envelope: { address: 'bounces@esp.example', authenticated: true },
        header: { address: 'news@partner.example', authenticated: true },
      },
      ['a@corp.example'],
      entries,
    );
    const match = viaHeader.matches.get('a@corp.example');
    expect(match && describeListMatch(match)).toBe(
      "From address news@partner.example matches partner.example on the organisation's safelist (DMARC passed)",
    );
    expect(viaHeader.unverified.size).toBe(0);
  });

  it('applies a blocklist entry to either identity, authenticated or not', () => {
    const entries = [entry(global, 'block', 'cheap-pills.example')];
    const byHeader = decideLists(
      {
        envelope: { address: 'bounce@elsewhere.example', authenticated: true },
        header: { address: 'joe@cheap-pills.example', authenticated: false },
      },
      ['a@corp.example'],
      entries,
    );
    const match = byHeader.matches.get('a@corp.example');
    expect(match?.verdict).toBe('blocklisted');
    expect(match && describeListMatch(match)).toBe(
      "From address joe@cheap-pills.example matches cheap-pills.example on the organisation's blocklist",
    );
  });

  it('lets a verified safelist entry stand when another identity matches it unverified', () => {
    const result = decideLists(
      {
        envelope: { address: 'x@partner.example', authenticated: false },
        header: { address: 'y@partner.example', authenticated: true },
      },
      ['a@corp.example'],
      [entry(user('a@corp.example'), 'safe', 'partner.example')],
    );
    expect(result.matches.get('a@corp.example')?.matched).toBe('header');
    expect(result.unverified.size).toBe(0);
  });
});

describe('safelistableAddress', () => {
  const envelope = (authenticated: boolean) => ({ address: 'Bounce-7@ESP.example', authenticated });
  const header = (authenticated: boolean) => ({ address: 'News@Brand.example', authenticated });

  it('prefers the DMARC-verified From, then the SPF-verified envelope sender', () => {
    expect(safelistableAddress({ envelope: envelope(true), header: header(true) })).toBe(
      'news@brand.example',
    );
    expect(safelistableAddress({ envelope: envelope(true), header: header(false) })).toBe(
      'bounce-7@esp.example',
    );
    expect(safelistableAddress({ envelope: envelope(false), header: header(true) })).toBe(
      'news@brand.example',
    );
  });

  it('names nothing when no identity is authenticated, or there is none', () => {
    expect(safelistableAddress({ envelope: envelope(false), header: header(false) })).toBeUndefined();
    expect(safelistableAddress({})).toBeUndefined();
    expect(safelistableAddress({ envelope: { address: '', authenticated: true } })).toBeUndefined();
  });
});
