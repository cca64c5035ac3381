import { headerValues, readHeaderBlock } from './raw-message.ts';

/**
 * Whether the message as a whole is S/MIME or PGP/MIME signed or encrypted (RFC 8551 §3.4,
 * RFC 1847, RFC 3156): such mail must reach the recipient unmodified, or its signature fails.
 */
export function isSignedOrEncrypted(raw: Uint8Array): boolean {
  const type = (headerValues(readHeaderBlock(raw), 'content-type')[0] ?? '').trim().toLowerCase();
  return /^(multipart\/(signed|encrypted)|application\/(x-)?pkcs7-mime)\b/.test(type);
}
