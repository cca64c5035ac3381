import { z } from 'zod';
import { ipRangeEntry } from '../net/ip-range.ts';
import { domainName, headerName } from './fields.ts';

/**
 * A regular expression an admin writes in a filter. Compiled once at validation so a typo is
 * reported with the config, not at the first message. Matched case-insensitively against
 * input cut to a bounded length (see evaluate-filters.ts), which bounds what even a poorly
 * written pattern can cost.
 */
const pattern = z
  .string()
  .min(1)
  .max(300, 'must be at most 300 characters')
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'i');
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

export const FILTER_ACTIONS = [
  'skip-spamcheck',
  'skip-marketingcheck',
  'skip-socialcheck',
  'skip-bulkcheck',
] as const;

/**
 * Message filters, applied before the engines: when every condition given holds, the
 * actions skip the named checks (e.g. mail from a partner's ticketing system that looks
 * like bulk but is wanted).
 */
const filter = z.strictObject({
  name: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/,
      'must be 1-64 letters, digits, spaces, dots, dashes or underscores',
    ),
  conditions: z
    .strictObject({
      /** Regular expression on the envelope sender. */
      sender: pattern.optional(),
      /** Regular expression; holds when any recipient matches. */
      recipient: pattern.optional(),
      /** The header field is present. */
      headerExists: headerName.optional(),
      /** The header field is present and its value matches. */
      header: z.strictObject({ name: headerName, matches: pattern }).optional(),
      /** The sender's IP is in one of these (address, CIDR or range). */
      senderIp: z.array(ipRangeEntry).min(1).max(100).optional(),
      /** The message was received for one of these of our domains. */
      receivingDomain: z.array(domainName).min(1).max(100).optional(),
    })
    .refine((value) => Object.values(value).some((v) => v !== undefined), {
      message: 'name at least one condition',
    }),
  actions: z.array(z.enum(FILTER_ACTIONS)).min(1, 'name at least one action'),
});

export const filtersSchema = z
  .array(filter)
  .max(100, 'at most 100 filters')
  .default([])
  .superRefine((filters, ctx) => {
    const seen = new Set<string>();
    filters.forEach((f, index) => {
      if (seen.has(f.name.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `filter name "${f.name}" is used twice`,
        });
      seen.add(f.name.toLowerCase());
    });
  });

export type FilterConfig = z.output<typeof filter>;
export type FilterAction = (typeof FILTER_ACTIONS)[number];
