import { z } from 'zod';
import { compareBytes, formatIp, type IpAddress, normaliseIp, parseIp } from './ip-address.ts';

/**
 * Sets of addresses as admins write them in relay lists, blocklists and allowlists: one
 * address (`192.0.2.7`, `2001:db8::7`), a CIDR block (`192.0.2.0/24`, `2001:db8::/32`) or an
 * inclusive range (`192.0.2.10-192.0.2.20`). Each becomes a first..last pair of the same
 * family, so matching is two byte comparisons whatever the form.
 */
export interface IpRange {
  readonly family: 4 | 6;
  readonly first: Uint8Array;
  readonly last: Uint8Array;
  /** The entry as the admin wrote it (for evidence and notes). */
  readonly text: string;
}

const MAX_RANGE_TEXT = 100;

/** Parses one entry; undefined when it is none of the three forms. */
export function parseIpRange(text: string): IpRange | undefined {
  if (typeof text !== 'string') return undefined;
  const entry = text.trim();
  if (entry.length === 0 || entry.length > MAX_RANGE_TEXT) return undefined;
  const slash = entry.indexOf('/');
  if (slash !== -1) return parseCidr(entry, slash);
  const dash = entry.indexOf('-');
  if (dash !== -1) {
    const first = address(entry.slice(0, dash).trim());
    const last = address(entry.slice(dash + 1).trim());
    if (!first || !last || first.family !== last.family) return undefined;
    if (compareBytes(first.bytes, last.bytes) > 0) return undefined;
    return { family: first.family, first: first.bytes, last: last.bytes, text: entry };
  }
  const single = address(entry);
  return single ? { family: single.family, first: single.bytes, last: single.bytes, text: entry } : undefined;
}

function parseCidr(entry: string, slash: number): IpRange | undefined {
  const parsed = parseIp(entry.slice(0, slash));
  const bitsText = entry.slice(slash + 1);
  if (!parsed || !/^(?:0|[1-9][0-9]{0,2})$/.test(bitsText)) return undefined;
  let bits = Number(bitsText);
  if (bits > (parsed.family === 4 ? 32 : 128)) return undefined;
  let ip = parsed;
  // `::ffff:192.0.2.0/120` is the IPv4 block 192.0.2.0/24 written in IPv6: match it as such,
  // since addresses are unmapped before matching.
  const unmapped = normaliseIp(parsed);
  if (unmapped !== parsed && bits >= 96) {
    ip = unmapped;
    bits -= 96;
  }
  // Host bits set below the prefix (`10.1.2.3/8`) are cleared, as routers and MTAs do.
  const first = new Uint8Array(ip.bytes);
  const last = new Uint8Array(ip.bytes);
  for (let i = 0; i < first.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    first[i] = (first[i] as number) & mask;
    last[i] = ((last[i] as number) & mask) | (~mask & 0xff);
  }
  return { family: ip.family, first, last, text: entry };
}

function address(text: string): IpAddress | undefined {
  const ip = parseIp(text);
  return ip ? normaliseIp(ip) : undefined;
}

/** True when `ip` (IPv4-mapped IPv6 counts as IPv4) lies in `range`. */
export function rangeContains(range: IpRange, ip: IpAddress): boolean {
  const address = normaliseIp(ip);
  if (address.family !== range.family) return false;
  return compareBytes(range.first, address.bytes) <= 0 && compareBytes(address.bytes, range.last) <= 0;
}

/** The first range in `ranges` that holds `ip`, or undefined. */
export function findRange(ranges: readonly IpRange[], ip: IpAddress): IpRange | undefined {
  return ranges.find((range) => rangeContains(range, ip));
}

/** Parses a list of entries that config validation has already accepted. */
export function parseIpRanges(entries: readonly string[]): IpRange[] {
  return entries.map((entry) => {
    const range = parseIpRange(entry);
    if (!range) throw new Error(`not an IP address, CIDR block or range: ${entry.slice(0, MAX_RANGE_TEXT)}`);
    return range;
  });
}

/** How ranges appear in a human-readable note: `192.0.2.0-192.0.2.255`. */
export function describeRange(range: IpRange): string {
  const first = formatIp({ family: range.family, bytes: range.first });
  const last = formatIp({ family: range.family, bytes: range.last });
  return first === last ? first : `${first}-${last}`;
}

/**
 * A config field holding one entry. The text is kept as written (the validated config is
 * shipped as JSON); callers compile it once with `parseIpRanges`.
 */
export const ipRangeEntry = z
  .string()
  .trim()
  .refine(
    (value) => parseIpRange(value) !== undefined,
    'must be an IP address (192.0.2.7, 2001:db8::7), a CIDR block (192.0.2.0/24) or a range (192.0.2.10-192.0.2.20)',
  );
