import { z } from 'zod';
import { externalEnginesSchema } from '../multiscan/external-engines-config.ts';
import { patternCovers } from '../policy/match-policy.ts';
import { relaysSchema } from '../relay/relay-config.ts';
import { reputationSchema } from '../reputation/reputation-config.ts';
import { KNOWN_RULE_IDS, RULES } from '../scan/rules/index.ts';
import { digestSchema, isScheduleExpression, SCHEDULE_MESSAGE } from './digest-schema.ts';
import { domainName, emailAddress, hostName, recipientAddress } from './fields.ts';
import { filtersSchema } from './filter-schema.ts';
import { policiesSchema } from './policy-schema.ts';
import { submissionsSchema } from './submissions-schema.ts';
import { unsubscribeSchema } from './unsubscribe-schema.ts';

/**
 * The one configuration file an organisation writes (YAML or JSON). The same file drives
 * `cdk deploy -c config=...` and `npm start`; the CDK app ships the validated JSON inside
 * each function bundle so the Lambdas and the local gateway read identical settings.
 */

const smtpDeliveryFields = z.strictObject({
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
  /**
   * SMTP AUTH (RFC 4954) to the downstream server, for a relay that takes a login instead of
   * (or besides) an address it knows. The credentials never go into this file: in AWS,
   * `secret` names a Secrets Manager secret (name or ARN) whose value is
   * {"username": "...", "password": "..."}; the local gateway reads GRAYWALL_SMTP_USERNAME and
   * GRAYWALL_SMTP_PASSWORD instead.
   */
  auth: z
    .strictObject({
      secret: z
        .string()
        .regex(
          /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/,
          'must be a Secrets Manager secret name or ARN',
        ),
    })
    .optional(),
  /**
   * AWS only: run the functions that deliver (action, release, digest) in these subnets of
   * your VPC. A function outside a VPC connects from addresses shared with all of Lambda, so
   * the downstream server could only relay for "any AWS address"; from private subnets routed
   * through a NAT gateway, the connections come from the NAT's fixed Elastic IP, which the
   * server can allow. The subnets also need a route to the AWS APIs (the NAT, or VPC endpoints).
   */
  vpc: z
    .strictObject({
      vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-0123abcd...)'),
      subnetIds: z
        .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-0123abcd...)'))
        .min(1, 'name at least one subnet (two, in different zones, to survive a zone outage)')
        .max(16),
      /** Default: one security group per function, outbound only. */
      securityGroupIds: z
        .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-0123abcd...)'))
        .min(1)
        .max(5)
        .optional(),
    })
    .optional(),
});

// The password must not cross the network in clear: with `opportunistic`, anyone on the
// path can strip STARTTLS from the server's answer and read the AUTH exchange.
// Nor to a server whose certificate is not checked: whoever answers in its place gets it.
const smtpDelivery = smtpDeliveryFields
  .refine((delivery) => delivery.auth === undefined || delivery.tls === 'required' || delivery.port === 465, {
    path: ['auth'],
    message:
      'needs tls: required (or port 465): the password must not be sent where STARTTLS can be stripped',
  })
  .refine((delivery) => delivery.auth === undefined || delivery.verifyCertificate, {
    path: ['auth'],
    message:
      'needs verifyCertificate: true: the password must not go to a server whose certificate is not checked',
  });

const sesDelivery = z.strictObject({
  type: z.literal('ses'),
  /**
   * A verified SES identity. SES only sends mail whose From is verified, so forwarded mail
   * is sent From this address with the original sender kept in Reply-To and X-Original-From.
   */
  fromAddress: emailAddress,
  /** Recipient rewrites: exact address → address. Checked before forwardDomain. */
  forward: z.record(recipientAddress, emailAddress).default({}),
  /** Rewrite every other recipient's domain to this one (alice@example.com → alice@<forwardDomain>). */
  forwardDomain: domainName.optional(),
});

const MIB = 1024 * 1024;
const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((rule) => rule.id));
/** SES accepts messages up to 40 MB: no size threshold above that means anything. */
const MAX_SCAN_BYTES = 40 * MIB;
/** Sundays at 03:00 UTC: a week of submissions per run, at a quiet hour. */
const DEFAULT_RETRAIN_SCHEDULE = 'cron(0 3 ? * SUN *)';

const ruleId = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'must be a rule id in UPPER_SNAKE case (e.g. URI_IP_HOST)');

/** A composite rule: fires when the named rules fire together (see functions/core/scan/rules/composite.ts). */
const composite = z.strictObject({
  /** UPPER_SNAKE; the id of a default composite replaces that composite. */
  id: ruleId,
  description: z.string().trim().min(1).max(200),
  /** Score points added when it fires (negative for a ham signal). */
  score: z.number().min(-100, 'must be -100 or more').max(100, 'must be 100 or less'),
  /** Every one of these rules fired ... */
  allOf: z.array(ruleId).min(1, 'name at least one rule').max(10),
  /** ... and at least one of these (optional) ... */
  anyOf: z.array(ruleId).max(10).optional(),
  /** ... and none of these (optional). */
  noneOf: z.array(ruleId).max(10).optional(),
});

const POSITIVE_RANGE = { min: 50, max: 99 } as const;
const SUSPECT_RANGE = { min: 25, max: 99 } as const;
const SCAN_BYTES_RANGE = { min: 1024, max: MAX_SCAN_BYTES } as const;

const ANTISPAM_DEFAULTS = {
  positiveThreshold: 90,
  suspectThreshold: 50,
  alwaysScanBelowBytes: MIB,
  neverScanAboveBytes: 2 * MIB,
} as const;

function inRange(value: number, range: { readonly min: number; readonly max: number }): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

function fillAntispamDefaults<T extends { [K in keyof typeof ANTISPAM_DEFAULTS]?: number | undefined }>(
  value: T,
): T & { [K in keyof typeof ANTISPAM_DEFAULTS]: number } {
  return {
    ...value,
    positiveThreshold: value.positiveThreshold ?? ANTISPAM_DEFAULTS.positiveThreshold,
    suspectThreshold: value.suspectThreshold ?? ANTISPAM_DEFAULTS.suspectThreshold,
    alwaysScanBelowBytes: value.alwaysScanBelowBytes ?? ANTISPAM_DEFAULTS.alwaysScanBelowBytes,
    neverScanAboveBytes: value.neverScanAboveBytes ?? ANTISPAM_DEFAULTS.neverScanAboveBytes,
  };
}

const antispam = z
  .strictObject({
    // Thresholds and size limits are optional here and defaulted after the checks below, so
    // those checks know which of a pair the file set and blame that one (see fillAntispamDefaults).
    positiveThreshold: z
      .number()
      .int()
      .min(POSITIVE_RANGE.min, `must be ${POSITIVE_RANGE.min} or more`)
      .max(POSITIVE_RANGE.max, `must be ${POSITIVE_RANGE.max} or less`)
      .optional(),
    suspectThreshold: z
      .number()
      .int()
      .min(SUSPECT_RANGE.min, `must be ${SUSPECT_RANGE.min} or more`)
      .max(SUSPECT_RANGE.max, `must be ${SUSPECT_RANGE.max} or less`)
      .optional(),
    /**
     * How the engines' combined evidence maps to the 0-100 score the thresholds apply to.
     * Both profiles use the same learned rule and classifier weights (the model artifact);
     * they differ only in where score 50 sits, both chosen by `npm run train` by
     * cross-validation on the training corpus:
     * - `normal`: 50 sits just above the highest-scoring ham in training that still keeps at
     *   most 2% of commercial-looking legitimate mail (hard ham) and no ordinary mail at or
     *   above it;
     * - `aggressive`: 50 sits just above the highest-scoring ordinary ham only, so much more
     *   spam reaches the suspect threshold, at the price of more commercial-looking
     *   legitimate mail (newsletters, offers you subscribed to) being suspected too.
     * Score 90 sits in the same place in both (above every ham seen in training), and no
     * message ever scores lower under `aggressive` than under `normal`: every threshold
     * catches at least as much. Reasons show the points under the profile in force.
     */
    profile: z.enum(['normal', 'aggressive']).default('normal'),
    /**
     * Mail servers of ours that relay mail to SES (a gateway, a forwarder): where to find the
     * original sender's IP behind them. See functions/core/relay/relay-config.ts.
     */
    relays: relaysSchema,
    /** Local block/allow lists of IPs, sender domains and link hosts; DNS lists (off by default). */
    reputation: reputationSchema,
    /** Other engines (rspamd, spamd) asked for their verdict under policies with `engine: multi-scan`. */
    externalEngines: externalEnginesSchema,
    /** Messages smaller than this (bytes) are scanned whole. Default 1 MiB. */
    alwaysScanBelowBytes: z
      .number()
      .int()
      .min(SCAN_BYTES_RANGE.min, 'must be 1024 bytes or more')
      .max(SCAN_BYTES_RANGE.max, 'must be 40 MiB (41943040) or less')
      .optional(),
    /**
     * Messages larger than this (bytes) are not scanned: verdict `unscannable`, tracking note
     * "not scanned: size", no X-Graywall-Filtered header; the `unscannable` policy applies.
     * Between alwaysScanBelowBytes and this, a partial scan reads the header and the first
     * 256 KiB of the body. Default 2 MiB; must not be below alwaysScanBelowBytes.
     */
    neverScanAboveBytes: z
      .number()
      .int()
      .min(SCAN_BYTES_RANGE.min, 'must be 1024 bytes or more')
      .max(SCAN_BYTES_RANGE.max, 'must be 40 MiB (41943040) or less')
      .optional(),
    /**
     * Time allowed to scan one message. On timeout the verdict keeps what was scored so far
     * (with a SCAN_TIMEOUT reason), or is `unscannable` when nothing was, and the message
     * goes on under its policy.
     */
    scanTimeoutSeconds: z
      .number()
      .int()
      .min(1, 'must be 1 or more')
      .max(120, 'must be 120 or less')
      .default(60),
    /** Score points by rule or composite id, replacing the learned (or default) score. */
    ruleScores: z
      .record(
        z.string().max(64),
        z.number().min(-100, 'must be -100 or more').max(100, 'must be 100 or less'),
      )
      .default({}),
    /** Composites added to the defaults (or replacing a default of the same id). */
    composites: z.array(composite).max(100, 'at most 100 composites').default([]),
  })
  .superRefine((value, ctx) => {
    // Zod runs these checks even when a value failed its own range check: a pair is compared
    // only when both values are valid (else the range error is the one to fix), and the error
    // names the setting the file has, never one that only took its default.
    const positive = value.positiveThreshold ?? ANTISPAM_DEFAULTS.positiveThreshold;
    const suspect = value.suspectThreshold ?? ANTISPAM_DEFAULTS.suspectThreshold;
    if (inRange(positive, POSITIVE_RANGE) && inRange(suspect, SUSPECT_RANGE) && suspect > positive) {
      const blamed = value.suspectThreshold === undefined ? 'positiveThreshold' : 'suspectThreshold';
      ctx.addIssue({
        code: 'custom',
        path: [blamed],
        message:
          blamed === 'suspectThreshold'
            ? `must not be above positiveThreshold (${positive}${value.positiveThreshold === undefined ? ', the default' : ''})`
            : `must not be below suspectThreshold (${suspect}, the default)`,
      });
    }
    const always = value.alwaysScanBelowBytes ?? ANTISPAM_DEFAULTS.alwaysScanBelowBytes;
    const never = value.neverScanAboveBytes ?? ANTISPAM_DEFAULTS.neverScanAboveBytes;
    if (inRange(always, SCAN_BYTES_RANGE) && inRange(never, SCAN_BYTES_RANGE) && never < always) {
      const blamed = value.neverScanAboveBytes === undefined ? 'alwaysScanBelowBytes' : 'neverScanAboveBytes';
      ctx.addIssue({
        code: 'custom',
        path: [blamed],
        message:
          blamed === 'neverScanAboveBytes'
            ? `must not be below alwaysScanBelowBytes (${always}${value.alwaysScanBelowBytes === undefined ? ', the default' : ''})`
            : `must not be above neverScanAboveBytes (${never}, the default)`,
      });
    }
    const configured = new Set(value.composites.map((c) => c.id));
    for (const id of Object.keys(value.ruleScores)) {
      if (!KNOWN_RULE_IDS.has(id) && !configured.has(id)) {
        const upper = id.toUpperCase();
        const hint =
          KNOWN_RULE_IDS.has(upper) || configured.has(upper) ? ` (ids are UPPER_SNAKE: ${upper})` : '';
        ctx.addIssue({
          code: 'custom',
          path: ['ruleScores', id],
          message: `${id} is not a rule or composite${hint}`,
        });
      }
    }
    const seen = new Set<string>();
    value.composites.forEach((c, index) => {
      if (seen.has(c.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['composites', index, 'id'],
          message: `${c.id} is defined twice`,
        });
      }
      seen.add(c.id);
      if (RULE_IDS.has(c.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['composites', index, 'id'],
          message: `${c.id} is a rule, not a composite: choose another id`,
        });
      }
      for (const key of ['allOf', 'anyOf', 'noneOf'] as const) {
        (c[key] ?? []).forEach((ref, i) => {
          if (!RULE_IDS.has(ref)) {
            ctx.addIssue({
              code: 'custom',
              path: ['composites', index, key, i],
              message: `${ref} is not a rule (composites combine rules, not other composites)`,
            });
          }
        });
      }
    });
  })
  .transform(fillAntispamDefaults);

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
      .array(recipientAddress)
      .max(100, 'at most 100 addresses (the SES receipt rule limit)')
      .default([]),
    delivery: z.discriminatedUnion('type', [smtpDelivery, sesDelivery], {
      error: 'must be { type: smtp, host, ... } or { type: ses, fromAddress, ... }',
    }),
    antispam: antispam.prefault({}),
    policies: policiesSchema,
    limits: z
      .strictObject({
        /**
         * The local gateway refuses larger mail with 552 (RFC 5321 §4.5.3.1.10). In AWS, SES
         * accepts up to 40 MB and a receipt rule cannot set a lower limit: not applied there.
         */
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
    /**
     * The copies policies keep with `archive: true`. Without retentionDays they are kept until
     * deleted by hand: an archive is often a record kept for years, which only the
     * organisation can decide.
     */
    archive: z.strictObject({ retentionDays: z.number().int().min(1).max(36_500).optional() }).default({}),
    pipeline: z
      .strictObject({
        /** Attempts per stage before a message goes to that stage's dead-letter queue. */
        maxReceiveCount: z.number().int().min(1).max(20).default(5),
        /**
         * At most this many deliveries (SMTP sessions to the downstream host, or SES calls) at
         * once: the action stage's event source maximum concurrency (AWS allows 2-1000).
         */
        deliveryConcurrency: z.number().int().min(2).max(1000).default(10),
        /**
         * At most this many scans at once: the scan stage's event source maximum concurrency.
         * A burst of inbound mail must not take the account's Lambda concurrency (the admin
         * API and the pages share it) nor flood the external engines and DNS lists.
         */
        scanConcurrency: z.number().int().min(2).max(1000).default(50),
        /**
         * Attempts of the action stage (delivery) before its dead-letter queue. Retries back
         * off from 1 minute, doubling up to 11¾ hours: 12 attempts span about 29 hours, so a
         * downstream outage of up to a day costs delay, not dead letters.
         */
        // At most 17: the waits after the 10th attempt are 11¾ hours each, and an 18th attempt
        // would come after the action queue's 4-day retention (STAGE_QUEUE_RETENTION): SQS would
        // delete the message before its last attempt, without dead-lettering it.
        deliveryAttempts: z
          .number()
          .int()
          .min(1)
          .max(17, 'must be 17 or less: an 18th attempt would come after the queue keeps a message (4 days)')
          .default(12),
      })
      .default({ maxReceiveCount: 5, deliveryConcurrency: 10, scanConcurrency: 50, deliveryAttempts: 12 }),
    alarms: z.strictObject({ email: emailAddress.optional() }).default({}),
    /** The statistical model's versions (functions/app/model-versions.ts). */
    model: z
      .strictObject({
        /**
         * How often, at most, a running function re-reads which model version is current
         * (models/current.json). A promoted or rolled-back version reaches every container
         * within this many seconds, without a redeploy; each check is one S3 GET.
         */
        refreshSeconds: z.number().int().min(10).max(3600).default(300),
        /**
         * When the retraining job runs (EventBridge schedule expression, UTC): it builds a new
         * model version from the base corpus and the submissions, and promotes it only if it is
         * no worse on held-out mail. A run with no new submissions builds nothing. Default
         * weekly, Sundays 03:00 UTC; `graywall model retrain` runs it now.
         */
        retrainSchedule: z
          .string()
          .trim()
          .refine(isScheduleExpression, SCHEDULE_MESSAGE)
          .default(DEFAULT_RETRAIN_SCHEDULE),
        /**
         * What happens to a version that passes the held-out check. `manual`: it waits for an
         * admin (`graywall model promote <version>`); `automatic`: it goes into service at once.
         * Manual by default: a version trained on users' reports changes filtering for
         * everyone, and the held-out check cannot see every harm a wrong report does (a user
         * reporting a partner's ordinary mail as spam teaches the model that partner's domain).
         */
        promotion: z.enum(['manual', 'automatic']).default('manual'),
      })
      .prefault({}),
    unsubscribe: unsubscribeSchema,
    digest: digestSchema,
    filters: filtersSchema,
    /** Submission mailboxes: where users forward misclassified mail. */
    submissions: submissionsSchema,
    /** From address of bounces (SES: must be in a verified domain). Default: mailer-daemon@<first domain>. */
    bounceSender: emailAddress.optional(),
  })
  .superRefine((config, ctx) => {
    // A policy may override one threshold and inherit the other: check the pair it ends up with.
    // Only a policy that sets a threshold is checked (antispam's own pair is checked there), and
    // only when both values are valid: an out-of-range one, here or in antispam, is reported
    // where it is written, not again in every policy inheriting it.
    for (const table of ['incoming', 'outgoing'] as const) {
      config.policies[table].forEach((policy, index) => {
        if (policy.positiveThreshold === undefined && policy.suspectThreshold === undefined) return;
        const positive = policy.positiveThreshold ?? config.antispam.positiveThreshold;
        const suspect = policy.suspectThreshold ?? config.antispam.suspectThreshold;
        if (!inRange(positive, POSITIVE_RANGE) || !inRange(suspect, SUSPECT_RANGE) || suspect <= positive)
          return;
        const inherited =
          policy.suspectThreshold === undefined
            ? ' (from antispam.suspectThreshold)'
            : policy.positiveThreshold === undefined
              ? ' (from antispam.positiveThreshold)'
              : '';
        ctx.addIssue({
          code: 'custom',
          path: [
            'policies',
            table,
            index,
            policy.suspectThreshold === undefined ? 'positiveThreshold' : 'suspectThreshold',
          ],
          message:
            policy.suspectThreshold === undefined
              ? `gives suspect threshold ${suspect}${inherited} above positive threshold ${positive}`
              : `gives suspect threshold ${suspect} above positive threshold ${positive}${inherited}`,
        });
      });
    }
    // Incoming mail is only for the configured domains: a policy for another domain never applies.
    config.policies.incoming.forEach((policy, index) => {
      (policy.recipients ?? []).forEach((pattern, r) => {
        const base = pattern.includes('@')
          ? pattern.slice(pattern.lastIndexOf('@') + 1)
          : pattern.replace(/^\./, '');
        const related = config.domains.some(
          (d) => d === base || d.endsWith(`.${base}`) || base.endsWith(`.${d}`),
        );
        if (!related) {
          ctx.addIssue({
            code: 'custom',
            path: ['policies', 'incoming', index, 'recipients', r],
            message: `never matches: incoming mail is only for the configured domains (${config.domains.join(', ')})`,
          });
        }
      });
    });
    // The first matching policy wins: one whose every recipient and sender an earlier one
    // already covers never applies.
    for (const table of ['incoming', 'outgoing'] as const) {
      const policies = config.policies[table];
      policies.forEach((policy, index) => {
        // An absent or empty list matches everyone.
        const covers = (earlier?: readonly string[], later?: readonly string[]) =>
          !earlier?.length ||
          (!!later?.length && later.every((p) => earlier.some((e) => patternCovers(e, p))));
        const shadow = policies
          .slice(0, index)
          .find(
            (earlier) =>
              covers(earlier.recipients, policy.recipients) && covers(earlier.senders, policy.senders),
          );
        if (shadow) {
          ctx.addIssue({
            code: 'custom',
            path: ['policies', table, index],
            message: `never applies: policy "${shadow.name}" above matches all its recipients and senders (the first matching policy wins)`,
          });
        }
      });
    }
    config.submissions.mailboxes.forEach((mailbox, index) => {
      const domain = mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1);
      if (!config.domains.includes(domain)) {
        ctx.addIssue({
          code: 'custom',
          path: ['submissions', 'mailboxes', index, 'address'],
          message: `is not in one of the configured domains (${config.domains.join(', ')})`,
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

/** The address digests are sent from. */
export function digestSenderOf(config: Pick<GraywallConfig, 'digest' | 'domains'>): string {
  return config.digest.fromAddress ?? `quarantine@${config.domains[0]}`;
}
