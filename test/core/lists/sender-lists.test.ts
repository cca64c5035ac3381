import { describe, expect, it } from 'vitest';
import { candidateEntries, decideLists, type ListEntry } from '../../../functions/core/lists/sender-lists.ts';

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
  it('puts the organisation blocklist first, then the recipient own lists, then the organisation safelist', () => {
    const entries = [
      entry(global, 'safe', 'example.org'),
      entry(user('a@corp.example'), 'safe', '.example.org'),
      entry(user('b@corp.example'), 'block', sender),
    ];
    const result = decideLists(sender, ['a@corp.example', 'b@corp.example', 'c@corp.example'], entries);
    expect(Object.fromEntries([...result].map(([r, m]) => [r, [m.verdict, m.entry.entry]]))).toEqual({
      'a@corp.example': ['safelisted', '.example.org'],
      'b@corp.example': ['blocklisted', sender],
    });
    const withGlobalBlock = decideLists(
      sender,
      ['a@corp.example'],
      [...entries, entry(global, 'block', 'news.example.org')],
    );
    expect(withGlobalBlock.get('a@corp.example')?.verdict).toBe('blocklisted');
  });

  it('ignores entries that do not match the sender', () => {
    expect(decideLists(sender, ['a@corp.example'], [entry(global, 'block', 'other.example')]).size).toBe(0);
  });
});
