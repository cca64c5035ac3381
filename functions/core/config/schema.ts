import { z } from 'zod';
import { domainName, emailAddress, hostName } from './fields.ts';
import { policiesSchema } from './policy-schema.ts';
import { unsubscribeSchema } from './unsubscribe-schema.ts';

/**
 * The one configuration file an organisation writes (YAML or JSON). The same file drives
 * `cdk deploy -c config=...` and `npm start`; the CDK app ships the validated JSON inside
 * each function bundle so the Lambdas and the local gateway read identical settings.
 */

const smtpDelivery = z.strictObject({
  type: z.literal('smtp'),
  host: hostName,
  port: z.number().int().min(1).max(65535).default(25),
  /**
   * `required`: STARTTLS must succeed (refuse to send in clear). `opportunistic`: STARTTLS when
   * offered (RFC 3207). `none`: never (only for a trusted local sink).
   */
  tls: z.enum(['required', 'opportunistic', 'none']).default('required'),
  /** Verify the downstream certificate. Turn off only for a self-signed internal MTA. */
  verifyCertificate: z.boolean().default(true),
  connectTimeoutSeconds: z.number().int().min(1).max(60).default(10),
  /** Name we announce in EHLO. */
  heloName: hostName.optional(),
});

const sesDelivery = z.strictObject({
  type: z.literal('ses'),
  /**
   * A verified SES identity. SES only sends mail whose From is verified, so forwarded mail
   * is sent From this address with the original sender kept in Reply-To and X-Original-From.
   */
  fromAddress: emailAddress,
  /** Recipient rewrites: exact address → address. Checked before forwardDomain. */
  forward: z.record(emailAddress, emailAddress).default({}),
  /** Rewrite every other recipient's domain to this one (alice@example.com → alice@<forwardDomain>). */
  forwardDomain: domainName.optional(),
});

const antispam = z
  .strictObject({
    positiveThreshold: z
      .number()
      .int()
      .min(50, 'must be 50 or more')
      .max(99, 'must be 99 or less')
      .default(90),
    suspectThreshold: z
      .number()
      .int()
      .min(25, 'must be 25 or more')
      .max(99, 'must be 99 or less')
      .default(50),
  })
  .refine((value) => value.suspectThreshold <= value.positiveThreshold, {
    message: 'suspectThreshold must not be above positiveThreshold',
    path: ['suspectThreshold'],
  });

export const configSchema = z
  .strictObject({
    organisation: z
      .strictObject({
        name: z.string().trim().min(1).max(100),
      })
      .default({ name: 'Graywall' }),
    /** Domains whose inbound mail SES accepts and hands to Graywall (receipt rule recipients). */
    domains: z.array(domainName).min(1, 'name at least one domain'),
    /** Optional: accept only these addresses instead of every address in `domains`. */
    // SES receipt rules take at most 100 recipients (addresses or domains).
    recipients: z
      .array(emailAddress)
      .max(100, 'at most 100 addresses (the SES receipt rule limit)')
      .default([]),
    delivery: z.discriminatedUnion('type', [smtpDelivery, sesDelivery], {
      error: 'must be { type: smtp, host, ... } or { type: ses, fromAddress, ... }',
    }),
    antispam: antispam.default({ positiveThreshold: 90, suspectThreshold: 50 }),
    policies: policiesSchema,
    limits: z
      .strictObject({
        /** SES accepts up to 40 MB; the gateway refuses larger mail with 552 (RFC 5321 §4.5.3.1.10). */
        maxMessageBytes: z
          .number()
          .int()
          .min(1024)
          .max(40 * 1024 * 1024)
          .default(40 * 1024 * 1024),
      })
      .default({ maxMessageBytes: 40 * 1024 * 1024 }),
    quarantine: z
      .strictObject({ retentionDays: z.number().int().min(1).max(365).default(30) })
      .default({ retentionDays: 30 }),
    tracking: z
      .strictObject({ retentionDays: z.number().int().min(1).max(3650).default(90) })
      .default({ retentionDays: 90 }),
    pipeline: z
      .strictObject({
        /** Attempts per stage before a message goes to that stage's dead-letter queue. */
        maxReceiveCount: z.number().int().min(1).max(20).default(5),
      })
      .default({ maxReceiveCount: 5 }),
    alarms: z.strictObject({ email: emailAddress.optional() }).default({}),
    unsubscribe: unsubscribeSchema,
    /** From address of bounces (SES: must be in a verified domain). Default: mailer-daemon@<first domain>. */
    bounceSender: emailAddress.optional(),
  })
  .superRefine((config, ctx) => {
    // A policy may override one threshold and inherit the other: check the pair it ends up with.
    config.policies.incoming.forEach((policy, index) => {
      const positive = policy.positiveThreshold ?? config.antispam.positiveThreshold;
      const suspect = policy.suspectThreshold ?? config.antispam.suspectThreshold;
      if (suspect > positive) {
        ctx.addIssue({
          code: 'custom',
          path: [
            'policies',
            'incoming',
            index,
            policy.suspectThreshold === undefined ? 'positiveThreshold' : 'suspectThreshold',
          ],
          message: `gives suspect threshold ${suspect} above positive threshold ${positive}`,
        });
      }
    });
    config.recipients.forEach((recipient, index) => {
      const domain = recipient.slice(recipient.lastIndexOf('@') + 1);
      if (!config.domains.includes(domain)) {
        ctx.addIssue({
          code: 'custom',
          path: ['recipients', index],
          message: `is not in one of the configured domains (${config.domains.join(', ')})`,
        });
      }
    });
  });

export type GraywallConfig = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type DeliveryConfig = GraywallConfig['delivery'];
export type SmtpDeliveryConfig = z.output<typeof smtpDelivery>;
export type SesDeliveryConfig = z.output<typeof sesDelivery>;

/** The address bounces are sent from. */
export function bounceSenderOf(config: Pick<GraywallConfig, 'bounceSender' | 'domains'>): string {
  return config.bounceSender ?? `mailer-daemon@${config.domains[0]}`;
}
