import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring tokens for the links we put in mail (DESIGN.md "Security"). A token names
 * an unsubscribe request (whose original URIs are stored server-side, never in the link), the
 * recipient it was issued to, and when it stops working. Nothing in it is secret; it is
 * authenticated, so it cannot be forged, altered or retargeted.
 *
 * Form: `<keyId>.<payload>.<mac>`, base64url without padding (RFC 4648 §5), so it survives
 * URLs, quoted-printable and line folding in mail. The payload is binary to stay short:
 *
 *   version (1 byte, = 1) | expiresAt (uint32 BE, seconds since the epoch) |
 *   requestId length (1 byte) | requestId (ASCII) | recipient (UTF-8, the rest)
 *
 * The MAC is HMAC-SHA256 (RFC 2104) over a purpose label, the key id and the payload text,
 * truncated to 128 bits (RFC 2104 §5; NIST SP 800-107 §5.3.3), which keeps links short and
 * forgery at 2^-128 per try.
 */

export interface UnsubscribeClaims {
  /** Id of the stored unsubscribe request: [A-Za-z0-9_-], 1-64 characters. */
  readonly requestId: string;
  /** The recipient the link was issued to (an address, at most 254 bytes in UTF-8). */
  readonly recipient: string;
  /** Seconds since the epoch; the token is refused from this second on. */
  readonly expiresAt: number;
}

export interface SigningKey {
  /** Names the key in the token so keys can rotate: [A-Za-z0-9_-], 1-16 characters. */
  readonly id: string;
  /** At least 32 bytes of secret (RFC 2104 §3: not shorter than the hash output). */
  readonly secret: Uint8Array;
}

/** Why a token was refused. Distinct so the page (and the tracking record) can say why. */
export const TOKEN_REJECTION = {
  /** Not a token at all: wrong shape, encoding or length. */
  MALFORMED: 'MALFORMED',
  /** Signed with a key we do not (or no longer) hold. */
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  /** Forged or altered. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** Genuine, but past its expiry. */
  EXPIRED: 'EXPIRED',
} as const;

export type TokenRejection = (typeof TOKEN_REJECTION)[keyof typeof TOKEN_REJECTION];

export type TokenVerification =
  | { readonly ok: true; readonly claims: UnsubscribeClaims; readonly keyId: string }
  | { readonly ok: false; readonly reason: TokenRejection };

/**
 * Domain separation: a MAC made for an unsubscribe link cannot be replayed as any other kind
 * of signed link (a quarantine digest link, say) that shares the key.
 */
export const TOKEN_PURPOSE = {
  unsubscribe: 'graywall/unsubscribe/v1',
  /** Links in an end user's quarantine digest (requestId names the digest). */
  digest: 'graywall/digest/v1',
  /**
   * Admin web page sessions (requestId names the session, recipient holds the IAM principal
   * that asked for it through the IAM-authorised admin API).
   */
  adminUi: 'graywall/admin-ui/v1',
} as const;
export type TokenPurpose = (typeof TOKEN_PURPOSE)[keyof typeof TOKEN_PURPOSE];
const VERSION = 1;
const MAC_BYTES = 16;
const MIN_SECRET_BYTES = 32;
const MAX_RECIPIENT_BYTES = 254; // RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Longest token `signUnsubscribeToken` can produce, rounded up. Longer input is not parsed. */
export const MAX_TOKEN_LENGTH = 512;

/** Signs claims. Throws RangeError on claims or keys our own code should never produce. */
export function signUnsubscribeToken(
  claims: UnsubscribeClaims,
  key: SigningKey,
  purpose: TokenPurpose = TOKEN_PURPOSE.unsubscribe,
): string {
  if (!KEY_ID.test(key.id)) throw new RangeError('signing key id must be 1-16 characters of [A-Za-z0-9_-]');
  if (key.secret.byteLength < MIN_SECRET_BYTES) {
    throw new RangeError(`signing key must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (!REQUEST_ID.test(claims.requestId)) {
    throw new RangeError('requestId must be 1-64 characters of [A-Za-z0-9_-]');
  }
  const recipient = Buffer.from(claims.recipient, 'utf8');
  if (!isValidRecipient(claims.recipient) || recipient.byteLength > MAX_RECIPIENT_BYTES) {
    throw new RangeError('recipient must be 1-254 bytes without control characters');
  }
  if (!Number.isInteger(claims.expiresAt) || claims.expiresAt <= 0 || claims.expiresAt > 0xffffffff) {
    throw new RangeError('expiresAt must be whole seconds since the epoch');
  }
  const header = Buffer.alloc(6);
  header.writeUInt8(VERSION, 0);
  header.writeUInt32BE(claims.expiresAt, 1);
  header.writeUInt8(claims.requestId.length, 5);
  const payload = Buffer.concat([header, Buffer.from(claims.requestId, 'ascii'), recipient]).toString(
    'base64url',
  );
  return `${key.id}.${payload}.${mac(purpose, key.secret, key.id, payload).toString('base64url')}`;
}

/**
 * Verifies a token from a request. Never throws: anything that is not a genuine, unexpired
 * token signed with one of `keys` (key id → secret) is refused with a reason. The MAC is
 * checked before the payload is read or the expiry looked at, so a forger learns nothing
 * but BAD_SIGNATURE.
 */
export function verifyUnsubscribeToken(
  token: unknown,
  keys: ReadonlyMap<string, Uint8Array>,
  nowSeconds: number,
  purpose: TokenPurpose = TOKEN_PURPOSE.unsubscribe,
): TokenVerification {
  try {
    return verify(token, keys, nowSeconds, purpose);
  } catch {
    return { ok: false, reason: TOKEN_REJECTION.MALFORMED };
  }
}

function verify(
  token: unknown,
  keys: ReadonlyMap<string, Uint8Array>,
  now: number,
  purpose: TokenPurpose,
): TokenVerification {
  const malformed = { ok: false, reason: TOKEN_REJECTION.MALFORMED } as const;
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return malformed;
  const parts = token.split('.');
  if (parts.length !== 3) return malformed;
  const [keyId, payload, signature] = parts as [string, string, string];
  if (!KEY_ID.test(keyId) || !isCanonicalBase64url(payload) || !isCanonicalBase64url(signature)) {
    return malformed;
  }
  const given = Buffer.from(signature, 'base64url');
  if (given.byteLength !== MAC_BYTES) return malformed;
  const secret = keys.get(keyId);
  if (secret === undefined) return { ok: false, reason: TOKEN_REJECTION.UNKNOWN_KEY };
  // Constant-time comparison: how much of a forged MAC matched must not show in the timing.
  if (!timingSafeEqual(given, mac(purpose, secret, keyId, payload))) {
    return { ok: false, reason: TOKEN_REJECTION.BAD_SIGNATURE };
  }
  const claims = readPayload(Buffer.from(payload, 'base64url'));
  if (!claims) return malformed;
  // Fails closed: a NaN or missing clock counts as expired.
  if (!(now < claims.expiresAt)) return { ok: false, reason: TOKEN_REJECTION.EXPIRED };
  return { ok: true, claims, keyId };
}

function mac(purpose: TokenPurpose, secret: Uint8Array, keyId: string, payload: string): Buffer {
  return createHmac('sha256', secret)
    .update(`${purpose}.${keyId}.${payload}`, 'ascii')
    .digest()
    .subarray(0, MAC_BYTES);
}

function readPayload(bytes: Buffer): UnsubscribeClaims | undefined {
  if (bytes.byteLength < 7 || bytes.readUInt8(0) !== VERSION) return undefined;
  const expiresAt = bytes.readUInt32BE(1);
  const idLength = bytes.readUInt8(5);
  if (idLength === 0 || 6 + idLength >= bytes.byteLength) return undefined;
  const requestId = bytes.subarray(6, 6 + idLength).toString('latin1');
  if (!REQUEST_ID.test(requestId)) return undefined;
  const recipientBytes = bytes.subarray(6 + idLength);
  if (recipientBytes.byteLength > MAX_RECIPIENT_BYTES) return undefined;
  let recipient: string;
  try {
    recipient = new TextDecoder('utf-8', { fatal: true }).decode(recipientBytes);
  } catch {
    return undefined;
  }
  if (!isValidRecipient(recipient)) return undefined;
  return { requestId, recipient, expiresAt };
}

function isValidRecipient(recipient: string): boolean {
  return recipient.length > 0 && !/\p{Cc}/u.test(recipient);
}

/**
 * Only the one spelling Buffer would produce: the unused low bits of the last character must
 * be zero (RFC 4648 §3.5), or one token would have several valid spellings.
 */
function isCanonicalBase64url(text: string): boolean {
  return (
    text.length > 0 &&
    text.length % 4 !== 1 &&
    BASE64URL.test(text) &&
    Buffer.from(text, 'base64url').toString('base64url') === text
  );
}
