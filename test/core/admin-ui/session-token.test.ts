import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LENGTH,
  signUnsubscribeToken,
  TOKEN_PURPOSE,
  verifyUnsubscribeToken,
} from '../../../functions/core/unsubscribe/unsubscribe-token.ts';

const key = { id: 'k1', secret: Buffer.alloc(32, 9) };
const keys = new Map([[key.id, key.secret]]);
const NOW = 1_800_000_000;
const session = {
  requestId: 'sQ3x9Zk2LmP0aB7c',
  recipient: 'arn:aws:sts::123456789012:assumed-role/GraywallAdmins/alice@example.com',
  expiresAt: NOW + 3600,
};

describe('admin web page session tokens', () => {
  it('carry the IAM principal who asked and expire when said', () => {
    const token = signUnsubscribeToken(session, key, TOKEN_PURPOSE.adminUi);
    expect(TOKEN_PURPOSE.adminUi).toBe('graywall/admin-ui/v1');
    expect(verifyUnsubscribeToken(token, keys, NOW, TOKEN_PURPOSE.adminUi)).toEqual({
      ok: true,
      claims: session,
      keyId: 'k1',
    });
    expect(verifyUnsubscribeToken(token, keys, NOW + 3600, TOKEN_PURPOSE.adminUi)).toEqual({
      ok: false,
      reason: 'EXPIRED',
    });
  });

  it('open nothing else, and no other link opens an admin session', () => {
    const admin = signUnsubscribeToken(session, key, TOKEN_PURPOSE.adminUi);
    for (const other of [TOKEN_PURPOSE.unsubscribe, TOKEN_PURPOSE.digest]) {
      expect(verifyUnsubscribeToken(admin, keys, NOW, other)).toEqual({ ok: false, reason: 'BAD_SIGNATURE' });
      const foreign = signUnsubscribeToken(session, key, other);
      expect(verifyUnsubscribeToken(foreign, keys, NOW, TOKEN_PURPOSE.adminUi)).toEqual({
        ok: false,
        reason: 'BAD_SIGNATURE',
      });
    }
  });

  it('fit the longest principal a session may name (254 bytes) within the accepted token length', () => {
    const longest = signUnsubscribeToken(
      {
        ...session,
        requestId: 's'.repeat(17),
        recipient: `arn:aws:iam::123456789012:user/${'p'.repeat(223)}`,
      },
      key,
      TOKEN_PURPOSE.adminUi,
    );
    expect(longest.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(verifyUnsubscribeToken(longest, keys, NOW, TOKEN_PURPOSE.adminUi).ok).toBe(true);
  });
});
