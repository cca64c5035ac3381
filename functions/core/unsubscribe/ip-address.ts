import { REFUSAL, type Refusal, type RefusalCode, refuse } from './refusal.ts';

/**
 * Which resolved addresses the unsubscribe worker may connect to. The classifier answers for
 * addresses as DNS returns them (and for IP literals), so it must never let through an address
 * that reaches the filter's own network: private, loopback, link-local, cloud metadata,
 * carrier NAT, or an IPv6 form that embeds one of those in IPv4.
 *
 * Ranges come from the IANA special-purpose registries (RFC 6890 and updates).
 */

export interface AddressOptions {
  /**
   * Accept loopback (127.0.0.0/8, ::1). Local mode and tests only, where the senders'
   * endpoints are local servers; production never sets it.
   */
  readonly allowLoopback?: boolean;
}

export type AddressCheck =
  | { readonly ok: true; readonly family: 4 | 6 }
  | { readonly ok: false; readonly refusal: Refusal };

interface Range {
  readonly bytes: readonly number[];
  readonly bits: number;
  readonly code: RefusalCode;
}

const range = (cidr: string, code: RefusalCode): Range => {
  const [address = '', bits = ''] = cidr.split('/');
  const bytes = address.includes(':') ? parseIpv6(address) : parseIpv4(address);
  if (!bytes) throw new Error(`bad range ${cidr}`);
  return { bytes: [...bytes], bits: Number(bits), code };
};

/** First match wins, so the specific entries (metadata, broadcast) precede their supernets. */
const IPV4_RANGES: readonly Range[] = [
  // AWS/GCP/Azure instance metadata, ECS task metadata, Alibaba and Oracle Cloud metadata.
  range('169.254.169.254/32', REFUSAL.METADATA_ADDRESS),
  range('169.254.170.2/32', REFUSAL.METADATA_ADDRESS),
  range('100.100.100.200/32', REFUSAL.METADATA_ADDRESS),
  range('192.0.0.192/32', REFUSAL.METADATA_ADDRESS),
  range('255.255.255.255/32', REFUSAL.BROADCAST_ADDRESS),
  range('0.0.0.0/32', REFUSAL.UNSPECIFIED_ADDRESS),
  range('0.0.0.0/8', REFUSAL.RESERVED_ADDRESS), // "this network", RFC 791
  range('127.0.0.0/8', REFUSAL.LOOPBACK_ADDRESS),
  range('10.0.0.0/8', REFUSAL.PRIVATE_ADDRESS), // RFC 1918
  range('172.16.0.0/12', REFUSAL.PRIVATE_ADDRESS),
  range('192.168.0.0/16', REFUSAL.PRIVATE_ADDRESS),
  range('100.64.0.0/10', REFUSAL.SHARED_ADDRESS), // carrier-grade NAT, RFC 6598
  range('169.254.0.0/16', REFUSAL.LINK_LOCAL_ADDRESS), // RFC 3927
  range('192.0.0.0/24', REFUSAL.RESERVED_ADDRESS), // IETF protocol assignments, RFC 6890
  range('192.0.2.0/24', REFUSAL.DOCUMENTATION_ADDRESS), // TEST-NET-1, RFC 5737
  range('192.88.99.0/24', REFUSAL.RESERVED_ADDRESS), // 6to4 relay anycast, deprecated by RFC 7526
  range('198.18.0.0/15', REFUSAL.BENCHMARKING_ADDRESS), // RFC 2544
  range('198.51.100.0/24', REFUSAL.DOCUMENTATION_ADDRESS), // TEST-NET-2
  range('203.0.113.0/24', REFUSAL.DOCUMENTATION_ADDRESS), // TEST-NET-3
  range('224.0.0.0/4', REFUSAL.MULTICAST_ADDRESS),
  range('240.0.0.0/4', REFUSAL.RESERVED_ADDRESS), // RFC 1112 "future use"
];

const IPV6_RANGES: readonly Range[] = [
  range('::/128', REFUSAL.UNSPECIFIED_ADDRESS),
  range('::1/128', REFUSAL.LOOPBACK_ADDRESS),
  range('fd00:ec2::254/128', REFUSAL.METADATA_ADDRESS), // EC2 instance metadata over IPv6
  range('64:ff9b:1::/48', REFUSAL.PRIVATE_ADDRESS), // local-use NAT64, RFC 8215
  range('100::/64', REFUSAL.RESERVED_ADDRESS), // discard-only, RFC 6666
  // Teredo hides the peer's IPv4 address (obfuscated), so it cannot be vetted: refuse it.
  range('2001::/32', REFUSAL.RESERVED_ADDRESS),
  range('2001:2::/48', REFUSAL.BENCHMARKING_ADDRESS), // RFC 5180
  range('2001:10::/28', REFUSAL.RESERVED_ADDRESS), // ORCHID, RFC 4843
  range('2001:20::/28', REFUSAL.RESERVED_ADDRESS), // ORCHIDv2, RFC 7343
  range('2001:db8::/32', REFUSAL.DOCUMENTATION_ADDRESS), // RFC 3849
  range('3fff::/20', REFUSAL.DOCUMENTATION_ADDRESS), // RFC 9637
  range('fc00::/7', REFUSAL.PRIVATE_ADDRESS), // unique local, RFC 4193
  range('fe80::/10', REFUSAL.LINK_LOCAL_ADDRESS),
  range('fec0::/10', REFUSAL.PRIVATE_ADDRESS), // site-local, deprecated by RFC 3879
  range('ff00::/8', REFUSAL.MULTICAST_ADDRESS),
];

/** IANA allocates global unicast from 2000::/3 only (RFC 4291 §2.4); the rest is unassigned. */
const GLOBAL_UNICAST = range('2000::/3', REFUSAL.RESERVED_ADDRESS);

/** Prefixes whose addresses carry an IPv4 address in their last 32 bits (or bits 16-47). */
const IPV4_MAPPED = range('::ffff:0:0/96', REFUSAL.RESERVED_ADDRESS); // RFC 4291 §2.5.5.2
const IPV4_TRANSLATED = range('::ffff:0:0:0/96', REFUSAL.RESERVED_ADDRESS); // SIIT, RFC 2765
const IPV4_COMPATIBLE = range('::/96', REFUSAL.RESERVED_ADDRESS); // deprecated, RFC 4291 §2.5.5.1
const NAT64_WELL_KNOWN = range('64:ff9b::/96', REFUSAL.RESERVED_ADDRESS); // RFC 6052
const SIX_TO_FOUR = range('2002::/16', REFUSAL.RESERVED_ADDRESS); // RFC 3056

/**
 * Decides whether the worker may connect to `address` (an IPv4 dotted quad or an IPv6 text
 * form, as DNS or a URL gives it). Anything that does not parse as an address is refused.
 */
export function classifyAddress(address: string, options: AddressOptions = {}): AddressCheck {
  if (typeof address !== 'string' || address.length > 64) {
    return { ok: false, refusal: refuse(REFUSAL.INVALID_ADDRESS, String(address).slice(0, 64)) };
  }
  const v4 = parseIpv4(address);
  if (v4) return verdict(classifyIpv4(v4, options), 4, address);
  const v6 = parseIpv6(address);
  if (v6) return verdict(classifyIpv6(v6, options), 6, address);
  return { ok: false, refusal: refuse(REFUSAL.INVALID_ADDRESS, address) };
}

function verdict(code: RefusalCode | undefined, family: 4 | 6, address: string): AddressCheck {
  return code === undefined ? { ok: true, family } : { ok: false, refusal: refuse(code, address) };
}

function classifyIpv4(bytes: Uint8Array, options: AddressOptions): RefusalCode | undefined {
  const code = IPV4_RANGES.find((r) => matches(bytes, r))?.code;
  if (code === REFUSAL.LOOPBACK_ADDRESS && options.allowLoopback === true) return undefined;
  return code;
}

function classifyIpv6(bytes: Uint8Array, options: AddressOptions): RefusalCode | undefined {
  // Forms that carry an IPv4 address are judged by that address: ::ffff:127.0.0.1 reaches
  // 127.0.0.1 on a dual-stack socket, and 64:ff9b::a00:1 reaches 10.0.0.1 through NAT64.
  if (matches(bytes, IPV4_MAPPED) || matches(bytes, IPV4_TRANSLATED) || matches(bytes, NAT64_WELL_KNOWN)) {
    return classifyIpv4(bytes.subarray(12, 16), options);
  }
  if (matches(bytes, SIX_TO_FOUR)) return classifyIpv4(bytes.subarray(2, 6), options);
  const code = IPV6_RANGES.find((r) => matches(bytes, r))?.code;
  if (code === REFUSAL.LOOPBACK_ADDRESS) return options.allowLoopback === true ? undefined : code;
  if (code !== undefined) return code;
  if (matches(bytes, IPV4_COMPATIBLE)) {
    // Deprecated and unroutable: refused either way, with the embedded address's reason if any.
    return classifyIpv4(bytes.subarray(12, 16), {}) ?? REFUSAL.RESERVED_ADDRESS;
  }
  return matches(bytes, GLOBAL_UNICAST) ? undefined : REFUSAL.RESERVED_ADDRESS;
}

function matches(bytes: Uint8Array, r: Range): boolean {
  if (bytes.length !== r.bytes.length) return false;
  const whole = r.bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== r.bytes[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === ((r.bytes[whole] ?? 0) & mask);
}

/**
 * Strict dotted-quad IPv4 (four decimal octets, no leading zeros). The integer, octal and hex
 * spellings that URL parsers accept (http://2130706433/, http://0x7f.1/) are normalised to
 * this form by the WHATWG URL parser before they reach here; anything else is not an address.
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/**
 * IPv6 text forms of RFC 4291 §2.2 (with `::` compression and a trailing dotted quad), with
 * or without brackets; a zone id (`%eth0`, RFC 6874) is dropped: it scopes, not addresses.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  let body = text;
  if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1);
  const zone = body.indexOf('%');
  if (zone !== -1) body = body.slice(0, zone);
  if (body.length < 2 || body.length > 45) return undefined;
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = readGroups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? readGroups(halves[1] as string, true) : [];
  if (!head || !tail) return undefined;
  const groups = halves.length === 2 ? head.length + tail.length : head.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - groups).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** Hex groups of one side of `::`; the last group may be a dotted quad when `last` is true. */
function readGroups(side: string, last: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (last && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return undefined;
      words.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    words.push(Number.parseInt(part, 16));
  }
  return words;
}
