import { z } from 'zod';

/**
 * The one configuration file an organisation writes (YAML or JSON). The same file drives
 * `cdk deploy -c config=...` and `npm start`; the CDK app ships the validated JSON inside
 * each function bundle so the Lambdas and the local gateway read identical settings.
 */

// RFC 1035 labels (letters, digits, hyphens; 1-63 chars; no leading/trailing hyphen), at least
// two labels, lowercased on input because mail domains are case-insensitive (RFC 5321 §2.4).
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
// Deliberately simple: a local part without spaces or angle brackets, then a valid domain.
// RFC 5321 allows quoted local parts; SES receipt rules and downstream MTAs rarely accept them.
const ADDRESS = /^[^\s@<>"(),;:]{1,64}@(.+)$/;

const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(DOMAIN, 'must be a domain name such as example.com (letters, digits, hyphens and dots)');

const emailAddress = z
  .string()
  .trim()
  .refine((value) => {
    const match = ADDRESS.exec(value);
    return match !== null && DOMAIN.test((match[1] ?? '').toLowerCase());
  }, 'must be an email address such as user@example.com')
  .transform((value) => {
    const at = value.lastIndexOf('@');
    return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
  });

// A host name or an IPv4/IPv6 literal for the downstream MTA.
const hostName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine(
    (value) =>
      DOMAIN.test(value.toLowerCase()) ||
      /^[a-z0-9-]+$/i.test(value) ||
      z.ipv4().safeParse(value).success ||
      z.ipv6().safeParse(value).success,
    'must be a host name or an IP address',
  );

// Subject tags go into a header verbatim: US-ASCII printable only, so we never have to
// RFC 2047-encode them and can never inject a line break into the header block.
const subjectTag = z
  .string()
  .max(60, 'must be at most 60 characters')
  .regex(/^[\x20-\x7e]*$/, 'must be printable US-ASCII (no line breaks or non-ASCII characters)');

const actionName = z.enum(['deliver', 'quarantine', 'drop']);

const actionSettings = z.strictObject({
  action: actionName,
  /** Text put in front of the Subject header, kept byte for byte (whitespace included). */
  prependSubject: subjectTag.optional(),
});

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

const policy = z.strictObject({
  positive: actionSettings.default({ action: 'quarantine' }),
  suspect: actionSettings.default({ action: 'deliver', prependSubject: '[SUSPECTED SPAM] ' }),
  /** Mail we could not scan (undecodable MIME, over the size limit): ESA's default is deliver-and-warn. */
  unscannable: actionSettings.default({ action: 'deliver', prependSubject: '[WARNING: MESSAGE UNSCANNED] ' }),
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
    recipients: z.array(emailAddress).default([]),
    delivery: z.discriminatedUnion('type', [smtpDelivery, sesDelivery], {
      error: 'must be { type: smtp, host, ... } or { type: ses, fromAddress, ... }',
    }),
    antispam: antispam.default({ positiveThreshold: 90, suspectThreshold: 50 }),
    policy: policy.default({
      positive: { action: 'quarantine' },
      suspect: { action: 'deliver', prependSubject: '[SUSPECTED SPAM] ' },
      unscannable: { action: 'deliver', prependSubject: '[WARNING: MESSAGE UNSCANNED] ' },
    }),
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
  })
  .superRefine((config, ctx) => {
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
export type ActionSettings = z.output<typeof actionSettings>;
export type DeliveryConfig = GraywallConfig['delivery'];
export type SmtpDeliveryConfig = z.output<typeof smtpDelivery>;
export type SesDeliveryConfig = z.output<typeof sesDelivery>;
