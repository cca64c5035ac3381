import type { SesDeliveryConfig } from '../config/schema.ts';
import { displayName } from '../mime/display-name.ts';
import type { ParsedMessage } from '../mime/parse-message.ts';
import { isPlainAddress } from '../mime/plain-address.ts';
import { headerValues, replaceHeaderField } from '../mime/raw-message.ts';

/**
 * Where a recipient's mail goes in SES forwarding mode: an exact `forward` entry, else the
 * same local part at `forwardDomain`, else nowhere (undefined).
 */
export function forwardAddress(
  config: Pick<SesDeliveryConfig, 'forward' | 'forwardDomain'>,
  recipient: string,
): string | undefined {
  const exact = config.forward[recipient.toLowerCase()] ?? config.forward[recipient];
  if (exact) return exact;
  if (!config.forwardDomain) return undefined;
  const at = recipient.lastIndexOf('@');
  return `${recipient.slice(0, at)}@${config.forwardDomain}`;
}

/**
 * SES sends only mail whose From is a verified identity, so forwarded mail is sent From our
 * address. The original author stays visible: in the display name, in Reply-To (unless the
 * message names one) and in X-Original-From. Return-Path is dropped (the next hop sets it)
 * and DKIM signatures over the old From would fail, so they are removed; SES signs anew.
 */
export function rewriteForForwarding(
  raw: Uint8Array,
  original: ParsedMessage | undefined,
  fromAddress: string,
  orgName: string,
): Buffer {
  // An address that could break header syntax is not copied into headers: printable ASCII
  // only (a decoded non-ASCII character would be written as latin1, keeping its low byte: a
  // U+060A would become a line feed and start a field of the sender's choosing).
  const address = original?.from?.address ?? '';
  const author =
    original?.from && isPlainAddress(address) && /^[^<>"()\\,;:]+@[^<>"()\\,;:]+$/.test(address)
      ? original.from
      : undefined;
  const shown =
    author?.name && /^[\x20-\x7e]*$/.test(author.name) ? author.name : (author?.address ?? 'unknown sender');
  let out = replaceHeaderField(raw, 'From', `${displayName(`${shown} via ${orgName}`)} <${fromAddress}>`);
  if (author && original && headerValues(original.header, 'reply-to').length === 0) {
    out = replaceHeaderField(out, 'Reply-To', author.address);
  }
  if (author) out = replaceHeaderField(out, 'X-Original-From', author.address);
  out = replaceHeaderField(out, 'Return-Path', undefined);
  out = replaceHeaderField(out, 'DKIM-Signature', undefined);
  return out;
}
