/**
 * IP addresses as bytes: strict parsing of the text forms found in mail (Received headers,
 * custom relay headers, URLs, config files), canonical formatting, and the reversed names
 * DNS-based lists are queried with.
 *
 * Every parser here takes untrusted text: it rejects anything longer than an address can be
 * before looking at it, and runs in time linear in that bounded length.
 */

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

/** The longest text form of an address: an IPv6 with an embedded dotted quad (45 chars). */
const MAX_ADDRESS_TEXT = 45;

/** `a.b.c.d` or any IPv6 text form; undefined for anything else. No brackets, no zone. */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ADDRESS_TEXT) return undefined;
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

/**
 * Strict dotted-quad IPv4: four decimal octets, no leading zeros. `010.1.1.1` is refused
 * rather than guessed at: some stacks read a leading zero as octal, so it names two
 * different hosts depending on who reads it.
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/**
 * IPv6 text forms of RFC 4291 §2.2: eight hex groups, `::` compression, and a trailing
 * dotted quad (`::ffff:192.0.2.1`).
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > MAX_ADDRESS_TEXT) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = readGroups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? readGroups(halves[1] as string, true) : [];
  if (!head || !tail) return undefined;
  const groups = head.length + tail.length;
  // Without `::` there must be exactly eight groups; with it, `::` stands for at least one.
  if (halves.length === 1 ? groups !== 8 : groups > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - groups).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** Hex groups of one side of `::`; the last group may be a dotted quad when `last` is set. */
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

/**
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, RFC 4291 §2.5.5.2) is the IPv4 host it
 * maps: a dual-stack listener reports IPv4 peers that way, and a relay list written as
 * `192.0.2.0/24` must still match them. Every other address is returned as it is.
 */
export function normaliseIp(ip: IpAddress): IpAddress {
  if (ip.family === 4 || !isV4Mapped(ip.bytes)) return ip;
  return { family: 4, bytes: ip.bytes.slice(12, 16) };
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Dotted quad, or the RFC 5952 canonical IPv6 form (lowercase, longest zero run as `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((ip.bytes[i] as number) << 8) | (ip.bytes[i + 1] as number));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    words
      .slice(from, to)
      .map((w) => w.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Parses, unmaps IPv4-mapped IPv6, and formats: one spelling per host. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(normaliseIp(ip)) : undefined;
}

/** True for 0.0.0.0 and `::`: "no address", never a real sender (RFC 1122 §3.2.1.3, RFC 4291 §2.5.2). */
export function isUnspecified(ip: IpAddress): boolean {
  return ip.bytes.every((b) => b === 0);
}

/**
 * An address as written inside mail: bare, in brackets (`[192.0.2.1]`), or as an RFC 5321
 * §4.1.3 address literal (`[IPv6:2001:db8::1]`, also without brackets as some MTAs write it).
 * Surrounding whitespace is ignored. Returns the normalised address or undefined.
 */
export function readIpLiteral(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  let body = text.trim();
  if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1).trim();
  if (body.slice(0, 5).toLowerCase() === 'ipv6:') body = body.slice(5);
  const ip = parseIp(body);
  return ip ? normaliseIp(ip) : undefined;
}

/**
 * The name a DNS-based list is queried with for `ip` (RFC 5782 §2.1 and §2.4): the IPv4
 * octets, or the 32 IPv6 nibbles, in reverse order, then the list's zone.
 */
export function reversedIpName(ip: IpAddress): string {
  const address = normaliseIp(ip);
  if (address.family === 4) return Array.from(address.bytes).reverse().join('.');
  const nibbles: string[] = [];
  for (const byte of address.bytes) nibbles.push((byte >> 4).toString(16), (byte & 0xf).toString(16));
  return nibbles.reverse().join('.');
}

/** -1, 0 or 1 as `a` sorts before, with or after `b` (same family assumed). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}
