import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An id shaped like SES inbound message ids: 40 lowercase letters and digits. */
export function newSesMessageId(): string {
  const bytes = randomBytes(40);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
