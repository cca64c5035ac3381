/**
 * Whether an address can go into a header field we write (`To: <…>`, `Return-Path: <…>`, a
 * delivery report) as it is: printable US-ASCII without the brackets that end an angle-addr.
 * We write headers as latin1, which keeps only a character's low byte, so a decoded U+010A
 * in an internationalised address (RFC 6531) would become a line feed and start a field of
 * the sender's choosing.
 */
export function isPlainAddress(address: string): boolean {
  return /^[\x21-\x7e]+$/.test(address) && !/[<>]/.test(address);
}
