import { z } from 'zod';
import { domainName } from './fields.ts';

const DEFAULTS = {
  enabled: true,
  linkLifetimeDays: 60,
  retryForHours: 4,
  retryIntervalMinutes: 15,
  blockedHosts: [],
  allowLoopback: false,
  timeoutSeconds: 10,
  maxRedirects: 5,
} as const;

/**
 * Safe unsubscribe: graymail gets a banner and its unsubscribe links point at us; we check
 * the sender's link and unsubscribe on the user's behalf, so users never follow a link from
 * mail that might be phishing.
 */
export const unsubscribeSchema = z
  .strictObject({
    /** Off: graymail is delivered as received (the category actions still apply). */
    enabled: z.boolean().default(DEFAULTS.enabled),
    /**
     * Base URL of the public unsubscribe pages, e.g. https://unsubscribe.example.com, if you
     * front the API with your own domain. Default: the API's own URL.
     */
    publicUrl: z
      .url({ protocol: /^https$/, error: 'must be an https URL such as https://unsubscribe.example.com' })
      .optional(),
    /** How long an unsubscribe link in a delivered message works. */
    linkLifetimeDays: z.number().int().min(1).max(365).default(DEFAULTS.linkLifetimeDays),
    /** How long a failing unsubscribe is retried before the user is told it did not work. */
    retryForHours: z.number().int().min(1).max(48).default(DEFAULTS.retryForHours),
    retryIntervalMinutes: z.number().int().min(5).max(60).default(DEFAULTS.retryIntervalMinutes),
    /** The sentence in the banner (plain text). */
    message: z.string().trim().min(1).max(300).optional(),
    /** The banner button's label. */
    buttonLabel: z.string().trim().min(1).max(40).optional(),
    /** Never contact these domains (or their subdomains) to unsubscribe. */
    blockedHosts: z.array(domainName).default([]),
    /**
     * Accept loopback targets on any port. Only for the local gateway and tests, where the
     * senders' endpoints are local servers; the CDK app refuses to deploy it.
     */
    allowLoopback: z.boolean().default(DEFAULTS.allowLoopback),
    // The confirmation page tries links for up to 15 s (PAGE_ATTEMPT_BUDGET_MS) and the last
    // request may run its whole timeout past that: 15 + 12 s stays under the pages function's
    // 29 s, itself under API Gateway's 30-second integration limit.
    timeoutSeconds: z
      .number()
      .int()
      .min(1, 'must be 1 or more')
      .max(12, "must be 12 or less (the confirmation page must answer within API Gateway's 30 s)")
      .default(DEFAULTS.timeoutSeconds),
    maxRedirects: z.number().int().min(0).max(10).default(DEFAULTS.maxRedirects),
  })
  .default({ ...DEFAULTS, blockedHosts: [] });

export type UnsubscribeConfig = z.output<typeof unsubscribeSchema>;
