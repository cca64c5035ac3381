import { describe, expect, it } from 'vitest';
import { addressMatches, patternCovers } from '../../../functions/core/policy/match-policy.ts';

describe('patternCovers', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['example.com', 'b@example.com', true],
    ['example.com', 'b@sub.example.com', false],
    ['example.com', '.example.com', false],
    ['example.com', 'sub.example.com', false],
    ['.example.com', 'sub.example.com', true],
    ['.example.com', 'b@sub.example.com', true],
    ['.example.com', '.sub.example.com', true],
    ['.example.com', 'example.com', false],
    ['.example.com', 'b@example.com', false],
    ['.example.com', 'notexample.com', false],
    ['.example.com', '.notexample.com', false],
    ['b@example.com', 'b@example.com', true],
    ['b@example.com', 'example.com', false],
  ])('%s covers %s: %s', (wider, pattern, expected) => {
    expect(patternCovers(wider, pattern)).toBe(expected);
  });

  it('agrees with addressMatches: whatever a covered pattern matches, the wider one matches', () => {
    const patterns = [
      'example.com',
      '.example.com',
      'sub.example.com',
      '.sub.example.com',
      'b@example.com',
      'b@sub.example.com',
      'other.org',
    ];
    const addresses = [
      'b@example.com',
      'c@example.com',
      'b@sub.example.com',
      'b@x.sub.example.com',
      'b@other.org',
      'b@notexample.com',
    ];
    for (const wider of patterns)
      for (const pattern of patterns)
        if (patternCovers(wider, pattern))
          for (const address of addresses)
            if (addressMatches(pattern, address))
              expect(addressMatches(wider, address), `${wider} ⊇ ${pattern} at ${address}`).toBe(true);
  });
});
