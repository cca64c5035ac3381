import { z } from 'zod';
import { headerName } from '../config/fields.ts';
import { type IpRange, ipRangeEntry, parseIpRanges } from '../net/ip-range.ts';

/**
 * Incoming relays: mail servers of the organisation's own that receive mail first and pass it
 * on to SES (a legacy MX, an on-premises gateway, a forwarding service). For mail that came
 * through one, the connecting IP SES records is the relay's, which says nothing about the
 * sender; the real sender's IP is in a header the relay wrote. Each relay names where.
 *
 * Goes into the config under `antispam.relays`.
 */

/** The longest marker an admin may give for "take the IP after this". */
const MAX_AFTER = 20;
export const MAX_RECEIVED_HOPS = 20;

const relaySchema = z
  .strictObject({
    /** Shown in the tracking record ("sender IP from relay corp-mx"). */
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(64, 'must be at most 64 characters')
      .regex(/^[\x20-\x7e]+$/, 'must be printable US-ASCII'),
    /** The relay's own addresses: IPs, CIDR blocks or ranges, IPv4 or IPv6. */
    addresses: z.array(ipRangeEntry).min(1, 'name at least one address').max(1000),
    /** A header the relay writes with the original client IP, e.g. `X-Originating-IP`. */
    header: headerName.optional(),
    /**
     * Or: the Received header `hops` back from the top, and the marker after which the IP
     * starts in it. Hop 1 is the Received written by SES (or the local gateway) for the
     * relay's own connection; hop 2 is the one the relay wrote for the machine that
     * connected to it. `{ hops: 2, after: '[' }` is therefore the usual single-relay setting.
     */
    received: z
      .strictObject({
        hops: z
          .number()
          .int()
          .min(1, 'must be 1 or more')
          .max(MAX_RECEIVED_HOPS, `must be ${MAX_RECEIVED_HOPS} or less`),
        after: z
          .string()
          .min(1, 'must not be empty')
          .max(MAX_AFTER, `must be at most ${MAX_AFTER} characters`)
          .regex(/^[\x20-\x7e]+$/, 'must be printable US-ASCII'),
      })
      .optional(),
  })
  .superRefine((relay, ctx) => {
    if ((relay.header === undefined) === (relay.received === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either `header` (a header holding the original IP) or `received: { hops, after }`',
      });
    }
  });

export const relaysSchema = z
  .array(relaySchema)
  .max(100, 'at most 100 relays')
  .default([])
  .superRefine((relays, ctx) => {
    const seen = new Set<string>();
    relays.forEach((relay, index) => {
      const key = relay.name.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicates relay "${relay.name}"` });
      }
      seen.add(key);
    });
  });

export type RelayConfig = z.output<typeof relaySchema>;
export type RelaysInput = z.input<typeof relaysSchema>;

/** A relay ready for matching: its address entries parsed once per container. */
export interface CompiledRelay {
  readonly name: string;
  readonly addresses: readonly IpRange[];
  readonly source:
    | { readonly type: 'header'; readonly header: string }
    | { readonly type: 'received'; readonly hops: number; readonly after: string };
}

/** Parses the validated relay list once (at container start, not per message). */
export function compileRelays(relays: readonly RelayConfig[]): CompiledRelay[] {
  return relays.map((relay) => ({
    name: relay.name,
    addresses: parseIpRanges(relay.addresses),
    source: relay.header
      ? { type: 'header', header: relay.header }
      : {
          type: 'received',
          hops: relay.received?.hops ?? 1,
          after: relay.received?.after ?? '[',
        },
  }));
}
