import { z } from 'zod';
import { hostName } from '../config/fields.ts';

/**
 * Multi-scan: other spam engines the organisation already runs, asked for their opinion on
 * each message. Their verdicts become reasons in our score; the final verdict stays ours.
 * Goes into the config under `antispam.externalEngines` (empty by default).
 */

const common = {
  /** Shown in reasons and logs. Default: `<type> <host>`. */
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[\x20-\x7e]+$/, 'must be printable US-ASCII')
    .optional(),
  /** The whole exchange, connect to last byte. 1-60. */
  timeoutSeconds: z.number().int().min(1, 'must be 1 or more').max(60, 'must be 60 or less').default(10),
  /** How much this engine's opinion counts: 1 = as mapped, 0 = recorded but not scored. 0-3. */
  weight: z.number().min(0, 'must be 0 or more').max(3, 'must be 3 or less').default(1),
  /** Larger messages are not sent (the reason says so). */
  maxMessageBytes: z
    .number()
    .int()
    .min(1024)
    .max(40 * 1024 * 1024)
    .default(2 * 1024 * 1024),
};

const rspamd = z.strictObject({
  type: z.literal('rspamd'),
  /**
   * The normal worker (default port 11333), e.g. `http://rspamd.internal:11333`; `/checkv2`
   * is appended unless the URL already names a path.
   */
  url: z
    .string()
    .trim()
    .refine((value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === 'http:' || url.protocol === 'https:') &&
          url.username === '' &&
          url.password === ''
        );
      } catch {
        return false;
      }
    }, 'must be an http(s) URL without credentials, e.g. http://rspamd.internal:11333'),
  /** Sent as the `Password` header when the worker requires one. */
  password: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x20-\x7e]+$/, 'must be printable US-ASCII')
    .optional(),
  ...common,
});

const spamd = z.strictObject({
  type: z.literal('spamd'),
  host: hostName,
  port: z.number().int().min(1).max(65535).default(783),
  /** The SpamAssassin user whose preferences spamd applies (`User:` header). */
  user: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be a user name (letters, digits, . _ @ -)')
    .optional(),
  ...common,
});

export const externalEngineSchema = z.discriminatedUnion('type', [rspamd, spamd], {
  error: 'must be { type: rspamd, url, ... } or { type: spamd, host, port, ... }',
});

export const externalEnginesSchema = z.array(externalEngineSchema).max(4, 'at most 4 engines').default([]);

export type ExternalEngineConfig = z.output<typeof externalEngineSchema>;
export type RspamdEngineConfig = z.output<typeof rspamd>;
export type SpamdEngineConfig = z.output<typeof spamd>;

/** The name shown for an engine. */
export function engineName(engine: ExternalEngineConfig): string {
  if (engine.name) return engine.name;
  if (engine.type === 'spamd') return `spamd ${engine.host}:${engine.port}`;
  try {
    return `rspamd ${new URL(engine.url).host}`;
  } catch {
    return 'rspamd';
  }
}
