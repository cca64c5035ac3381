import { type HeaderBlock, headerValues } from '../mime/raw-message.ts';
import { formatIp, type IpAddress, isUnspecified, readIpLiteral } from '../net/ip-address.ts';
import { findRange } from '../net/ip-range.ts';
import type { CompiledRelay } from './relay-config.ts';

/**
 * Which IP the reputation checks and SPF should judge: the connecting client's, or, when
 * that client is one of the organisation's incoming relays, the IP of the machine that
 * handed the message to the relay, as the relay recorded it.
 *
 * The relay's record is only as good as the relay: a header it did not write is text the
 * sender chose. That is why only a connection from a configured relay address makes us read
 * it, and why anything that is not a valid address falls back to the connecting IP.
 */

export const SENDER_IP_SOURCE = {
  /** The IP of the client that connected to SES (or the local gateway). */
  CONNECTING: 'connecting',
  /** Read from a relay's custom header (`X-Originating-IP`). */
  RELAY_HEADER: 'relay-header',
  /** Read from a Received header a relay wrote. */
  RELAY_RECEIVED: 'relay-received',
} as const;
export type SenderIpSource = (typeof SENDER_IP_SOURCE)[keyof typeof SENDER_IP_SOURCE];

export interface SenderIp {
  /** Canonical text (IPv4-mapped IPv6 unmapped); undefined when no address is known at all. */
  readonly ip: string | undefined;
  readonly source: SenderIpSource;
  /** The relay whose record was used, or whose record was tried and found wanting. */
  readonly relay?: string;
  /** One line for the tracking record: which IP was used and why. */
  readonly note: string;
}

/** How far into a Received value we look for the marker; real ones are a few hundred bytes. */
const MAX_RECEIVED_SCAN = 4096;
/** Whitespace tolerated between the marker and the address (`from: 192.0.2.1`). */
const MAX_GAP = 8;
const MAX_NOTE_TEXT = 40;

/**
 * The connecting client's IP from the top-most Received header, which SES (or the local
 * gateway) writes above everything the sender wrote (RFC 5321 §4.4: each hop prepends its
 * own). Its TCP-info names the address the TCP connection came from.
 */
export function connectingIpOf(header: HeaderBlock): string | undefined {
  const top = headerValues(header, 'received')[0];
  if (top === undefined) return undefined;
  // `from <helo> (<reverse name> [192.0.2.1]) by …`: the address is the last literal inside
  // the first comment (the TCP-info). The first `[` of the field would be wrong: a client
  // that greets with `EHLO [10.0.0.1]` puts its own choice of literal there.
  const scan = top.slice(0, MAX_RECEIVED_SCAN);
  const open = scan.indexOf('(');
  const close = open === -1 ? -1 : scan.indexOf(')', open);
  if (close === -1) return undefined;
  const tcpInfo = scan.slice(open + 1, close);
  const bracket = tcpInfo.lastIndexOf('[');
  if (bracket === -1) return undefined;
  const ip = ipAfterMarker(tcpInfo.slice(bracket), '[');
  return ip.ok ? formatIp(ip.ip) : undefined;
}

/**
 * Decides the sender IP of a message that arrived from `connectingIp`. The first relay whose
 * addresses hold the connecting IP says where to look; when what is there is not a valid
 * address, or no relay matches, the connecting IP is the answer. The result always says
 * which was used, so the tracking record can explain it.
 */
export function determineSenderIp(
  header: HeaderBlock,
  connectingIp: string | undefined,
  relays: readonly CompiledRelay[],
): SenderIp {
  const connecting = connectingIp === undefined ? undefined : readIpLiteral(connectingIp);
  if (!connecting) {
    return {
      ip: undefined,
      source: SENDER_IP_SOURCE.CONNECTING,
      note:
        connectingIp === undefined
          ? 'No connecting IP recorded'
          : `Connecting IP "${clip(connectingIp)}" is not an address`,
    };
  }
  const connectingText = formatIp(connecting);
  const relay = relays.find((r) => findRange(r.addresses, connecting) !== undefined);
  if (!relay) {
    return {
      ip: connectingText,
      source: SENDER_IP_SOURCE.CONNECTING,
      note: `Sender IP ${connectingText} (connecting IP${relays.length > 0 ? ', not a configured relay' : ''})`,
    };
  }
  const fallback = (why: string): SenderIp => ({
    ip: connectingText,
    source: SENDER_IP_SOURCE.CONNECTING,
    relay: relay.name,
    note: `Sender IP ${connectingText} (connecting IP of relay "${relay.name}"): ${why}`,
  });

  if (relay.source.type === 'header') {
    // The relay prepends its header above the message it received, so the top-most copy is
    // the relay's; copies below it are the sender's own text.
    const value = headerValues(header, relay.source.header)[0];
    if (value === undefined) return fallback(`no ${relay.source.header} header`);
    const ip = readIpLiteral(value);
    if (!ip || isUnspecified(ip))
      return fallback(`${relay.source.header} holds no valid IP ("${clip(value)}")`);
    const text = formatIp(ip);
    return {
      ip: text,
      source: SENDER_IP_SOURCE.RELAY_HEADER,
      relay: relay.name,
      note: `Sender IP ${text} from ${relay.source.header} written by relay "${relay.name}" (connecting IP ${connectingText})`,
    };
  }

  const { hops, after } = relay.source;
  const received = headerValues(header, 'received');
  const value = received[hops - 1];
  if (value === undefined) {
    return fallback(`the message has ${received.length} Received header(s), fewer than ${hops} hops`);
  }
  const found = ipAfterMarker(value, after);
  if (!found.ok) {
    return fallback(
      found.reason === 'no-marker'
        ? `Received header ${hops} has no "${after}"`
        : `Received header ${hops} has no valid IP after "${after}"`,
    );
  }
  const text = formatIp(found.ip);
  return {
    ip: text,
    source: SENDER_IP_SOURCE.RELAY_RECEIVED,
    relay: relay.name,
    note: `Sender IP ${text} from Received header ${hops} after "${after}" of relay "${relay.name}" (connecting IP ${connectingText})`,
  };
}

export type MarkerResult =
  | { readonly ok: true; readonly ip: IpAddress }
  | { readonly ok: false; readonly reason: 'no-marker' | 'no-ip' };

/**
 * The address that starts right after the first occurrence of `after` in a Received value
 * ("begin parsing after"): optional spaces, an optional `IPv6:` tag (RFC 5321 §4.1.3 address
 * literal), then hex digits, dots and colons up to the first other character. The first
 * occurrence only, so the setting means one thing for every message; a marker followed by
 * anything else (`)` followed by ` by relay...`) finds no IP, it does not go hunting.
 *
 * Linear: one indexOf over a bounded prefix, then at most 60 characters.
 */
export function ipAfterMarker(value: string, after: string): MarkerResult {
  const text = value.length > MAX_RECEIVED_SCAN ? value.slice(0, MAX_RECEIVED_SCAN) : value;
  const at = text.indexOf(after);
  if (at === -1 || after.length === 0) return { ok: false, reason: 'no-marker' };
  let pos = at + after.length;
  const gapEnd = Math.min(text.length, pos + MAX_GAP);
  while (pos < gapEnd && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  if (text.slice(pos, pos + 5).toLowerCase() === 'ipv6:') pos += 5;
  let end = pos;
  while (end < text.length && end - pos <= 45 && /[0-9A-Fa-f:.]/.test(text[end] as string)) end++;
  const ip = readIpLiteral(text.slice(pos, end));
  if (!ip || isUnspecified(ip)) return { ok: false, reason: 'no-ip' };
  return { ok: true, ip };
}

function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_NOTE_TEXT ? `${clean.slice(0, MAX_NOTE_TEXT - 1)}…` : clean;
}
