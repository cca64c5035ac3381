import { type HeaderBlock, headerValues } from '../../../mime/raw-message.ts';

export interface OriginHop {
  /** The Received field, cut. */
  readonly value: string;
  /** The connecting host's reverse-DNS name as the receiving MTA wrote it ('' or "unknown" when none). */
  readonly name: string;
  readonly ip: string;
}

const MAX_FIELDS = 30;

/**
 * Where the message entered the mail system: the bottom-most Received field whose TCP-info
 * (`from helo (name [ip])`) names a public IPv4 address. Hops from loopback and private
 * addresses (the sender's own LAN, a local gateway) are skipped. Linear: indexOf only.
 */
export function originHop(header: HeaderBlock): OriginHop | undefined {
  const received = headerValues(header, 'received').slice(0, MAX_FIELDS);
  for (let i = received.length - 1; i >= 0; i--) {
    const value = (received[i] as string).slice(0, 400);
    if (!value.toLowerCase().startsWith('from ')) continue;
    const open = value.indexOf('(');
    if (open === -1) continue;
    const bracket = value.indexOf('[', open);
    const close = bracket === -1 ? -1 : value.indexOf(']', bracket);
    const paren = value.indexOf(')', open);
    if (bracket === -1 || close === -1 || (paren !== -1 && paren < bracket)) continue;
    const ip = value.slice(bracket + 1, close).replace(/^ipv6:/i, '');
    if (!isPublicIpv4(ip)) continue;
    return {
      value,
      name: value
        .slice(open + 1, bracket)
        .trim()
        .toLowerCase(),
      ip,
    };
  }
  return undefined;
}

function isPublicIpv4(ip: string): boolean {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return false;
  const [a, b] = parts.map(Number) as [number, number];
  if (a === 10 || a === 127 || a === 0) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  return true;
}
