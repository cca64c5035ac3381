import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LENGTH,
  signUnsubscribeToken,
  TOKEN_PURPOSE,
  TOKEN_REJECTION,
  type UnsubscribeClaims,
  verifyUnsubscribeToken,
} from '../../../functions/core/unsubscribe/unsubscribe-token.ts';

const currentKey = { id: 'k2', secret: Buffer.alloc(32, 7) };
const oldKey = { id: 'k1', secret: Buffer.alloc(32, 3) };
const keys = new Map([
  [currentKey.id, currentKey.secret],
  [oldKey.id, oldKey.secret],
]);
const NOW = 1_800_000_000;
const claims: UnsubscribeClaims = {
  requestId: '01JD3Q9Z6X8V4R2T0M5K7N1P3B',
  recipient: 'alice@example.org',
  expiresAt: NOW + 30 * 86_400,
};

describe('signUnsubscribeToken and verifyUnsubscribeToken', () => {
  it('round-trips the claims and names the key that signed them', () => {
    // Act
    const token = signUnsubscribeToken(claims, currentKey);
    const verified = verifyUnsubscribeToken(token, keys, NOW);

    // Assess
    expect(verified).toEqual({ ok: true, claims, keyId: 'k2' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('is short enough for a link in mail', () => {
    const token = signUnsubscribeToken(claims, currentKey);
    expect(token.length).toBeLessThan(110);
    const longest = signUnsubscribeToken(
      { requestId: 'r'.repeat(64), recipient: `${'ü'.repeat(120)}@e.x`, expiresAt: 0xffffffff },
      currentKey,
    );
    expect(longest.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
  });

  it('keeps verifying tokens signed with an older key while it is still in the key map', () => {
    const token = signUnsubscribeToken(claims, oldKey);
    expect(verifyUnsubscribeToken(token, keys, NOW)).toMatchObject({ ok: true, keyId: 'k1' });
    expect(verifyUnsubscribeToken(token, new Map([[currentKey.id, currentKey.secret]]), NOW)).toEqual({
      ok: false,
      reason: TOKEN_REJECTION.UNKNOWN_KEY,
    });
  });

  it('refuses a token from its expiry second on', () => {
    const token = signUnsubscribeToken(claims, currentKey);
    expect(verifyUnsubscribeToken(token, keys, claims.expiresAt - 1).ok).toBe(true);
    expect(verifyUnsubscribeToken(token, keys, claims.expiresAt)).toEqual({
      ok: false,
      reason: TOKEN_REJECTION.EXPIRED,
    });
    expect(verifyUnsubscribeToken(token, keys, Number.NaN)).toEqual({
      ok: false,
      reason: TOKEN_REJECTION.EXPIRED,
    });
  });

  it('refuses a token whose payload was altered, even into other valid claims', () => {
    // Prepare: the payload of a token for another recipient, spliced onto this token's MAC.
    const token = signUnsubscribeToken(claims, currentKey);
    const other = signUnsubscribeToken({ ...claims, recipient: 'mallory@example.org' }, oldKey);
    const [keyId, , mac] = token.split('.');
    const [, otherPayload] = other.split('.');

    // Act
    const spliced = verifyUnsubscribeToken(`${keyId}.${otherPayload}.${mac}`, keys, NOW);

    // Assess
    expect(spliced).toEqual({ ok: false, reason: TOKEN_REJECTION.BAD_SIGNATURE });
  });

  it('refuses a token signed with a guessed key under a real key id', () => {
    const forged = signUnsubscribeToken(claims, { id: 'k2', secret: Buffer.alloc(32, 8) });
    expect(verifyUnsubscribeToken(forged, keys, NOW)).toEqual({
      ok: false,
      reason: TOKEN_REJECTION.BAD_SIGNATURE,
    });
  });

  it('refuses an expired forged token as forged: the expiry is only read after the MAC', () => {
    const forged = signUnsubscribeToken(
      { ...claims, expiresAt: NOW - 10 },
      { id: 'k2', secret: Buffer.alloc(32, 8) },
    );
    expect(verifyUnsubscribeToken(forged, keys, NOW)).toEqual({
      ok: false,
      reason: TOKEN_REJECTION.BAD_SIGNATURE,
    });
  });

  it('refuses a second spelling of the same MAC (non-canonical base64url)', () => {
    const token = signUnsubscribeToken(claims, currentKey);
    const last = token.at(-1) as string;
    // 16 bytes in base64url leave 4 unused bits in the last character; set one.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) + 1] as string;
    const variant = `${token.slice(0, -1)}${sibling}`;
    expect(Buffer.from(variant.split('.')[2] as string, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2] as string, 'base64url'),
    );
    expect(verifyUnsubscribeToken(variant, keys, NOW)).toEqual({
      ok: false,
      reason: TOKEN_REJECTION.MALFORMED,
    });
  });

  it('says MALFORMED for things that are not tokens at all', () => {
    for (const garbage of [
      '',
      'a.b',
      'k2..',
      'k2.%%%.abc',
      'x'.repeat(10_000),
      `k2.${'A'.repeat(20)}.AAAA`,
      null,
      42,
      {},
    ]) {
      expect(verifyUnsubscribeToken(garbage, keys, NOW)).toEqual({
        ok: false,
        reason: TOKEN_REJECTION.MALFORMED,
      });
    }
  });

  it('refuses claims and keys our own code must never produce', () => {
    expect(() => signUnsubscribeToken(claims, { id: 'k2', secret: Buffer.alloc(16) })).toThrow(RangeError);
    expect(() => signUnsubscribeToken(claims, { id: 'has.dot', secret: currentKey.secret })).toThrow(
      RangeError,
    );
    expect(() => signUnsubscribeToken({ ...claims, requestId: 'a/b' }, currentKey)).toThrow(RangeError);
    expect(() => signUnsubscribeToken({ ...claims, recipient: 'a@b\r\nBcc: x' }, currentKey)).toThrow(
      RangeError,
    );
    expect(() => signUnsubscribeToken({ ...claims, expiresAt: 1.5 }, currentKey)).toThrow(RangeError);
  });
});

describe('verifyUnsubscribeToken on arbitrary input (property)', () => {
  it('never throws and never accepts anything but a token we signed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (input) => {
        const result = verifyUnsubscribeToken(input, keys, NOW);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every single-character change of a genuine token', () => {
    const token = signUnsubscribeToken(claims, currentKey);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: token.length - 1 }),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'),
        (index, char) => {
          fc.pre(token[index] !== char);
          const altered = `${token.slice(0, index)}${char}${token.slice(index + 1)}`;
          expect(verifyUnsubscribeToken(altered, keys, NOW).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips any valid claims', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }).filter((s) => !/\p{Cc}/u.test(s)),
        fc.integer({ min: NOW + 1, max: 0xffffffff }),
        (requestId, recipient, expiresAt) => {
          const token = signUnsubscribeToken({ requestId, recipient, expiresAt }, currentKey);
          expect(verifyUnsubscribeToken(token, keys, NOW)).toEqual({
            ok: true,
            claims: { requestId, recipient, expiresAt },
            keyId: 'k2',
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('token purposes', () => {
  it('keeps a digest link from being replayed as an unsubscribe link, and the other way round', () => {
    const key = { id: 'k1', secret: Buffer.alloc(32, 7) };
    const claims = { requestId: 'd20261125', recipient: 'ann@example.com', expiresAt: 2_000_000_000 };
    const keys = new Map([[key.id, key.secret]]);
    const digest = signUnsubscribeToken(claims, key, TOKEN_PURPOSE.digest);
    expect(verifyUnsubscribeToken(digest, keys, 1_000, TOKEN_PURPOSE.digest)).toMatchObject({
      ok: true,
      claims,
    });
    expect(verifyUnsubscribeToken(digest, keys, 1_000)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
    const unsubscribe = signUnsubscribeToken(claims, key);
    expect(verifyUnsubscribeToken(unsubscribe, keys, 1_000, TOKEN_PURPOSE.digest)).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });
});
