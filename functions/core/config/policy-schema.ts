import { z } from 'zod';
import {
  addedHeaderName,
  addressPattern,
  emailAddress,
  headerValue,
  hostAndPort,
  subjectTag,
} from './fields.ts';

/**
 * Mail policies, as on a mail gateway: an ordered table of incoming policies matched by
 * recipient or sender (first match wins) and a default policy for everyone else. Each
 * verdict class (positive, suspect, unscannable) has an action and optional modifiers.
 */

const actionFields = {
  action: z.enum(['deliver', 'quarantine', 'drop', 'bounce']),
  /** Text put in front of the Subject, kept byte for byte (whitespace included). */
  prependSubject: subjectTag.optional(),
  /** Text put after the Subject, kept byte for byte. */
  appendSubject: subjectTag.optional(),
  /**
   * A header added to the delivered (or quarantined, then released) copy; never one the
   * message may have only once, a MIME or trace field, or an X-Graywall-* (addedHeaderName).
   */
  addHeader: z.strictObject({ name: addedHeaderName, value: headerValue }).optional(),
  /** Deliver to this host instead of the normal delivery target (MX, then A lookup). */
  alternateHost: hostAndPort.optional(),
  /** Deliver one copy to this address instead of the recipients. */
  alternateRecipient: emailAddress.optional(),
  /** Also keep a copy as it arrived in the archive (one mbox file per message, in S3, by day and policy). */
  archive: z.boolean().default(false),
  /**
   * What a bounce tells the sender, instead of "Message rejected by the recipient's mail
   * policy" (only with action: bounce). It goes to the outside: name no internal policy.
   */
  bounceText: z
    .string()
    .trim()
    .min(1)
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x20-\x7e]*$/, 'must be printable US-ASCII (it goes into the delivery report as it is)')
    .optional(),
};

function deliverOnlyModifiers(
  value: { action: string; alternateHost?: unknown; alternateRecipient?: unknown; bounceText?: unknown },
  ctx: z.RefinementCtx,
): void {
  for (const field of ['alternateHost', 'alternateRecipient'] as const) {
    if (value[field] !== undefined && value.action !== 'deliver') {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `only applies when action is deliver (action is ${value.action})`,
      });
    }
  }
  if (value.bounceText !== undefined && value.action !== 'bounce') {
    ctx.addIssue({
      code: 'custom',
      path: ['bounceText'],
      message: `only applies when action is bounce (action is ${value.action})`,
    });
  }
}

const actionSettings = z.strictObject(actionFields).superRefine(deliverOnlyModifiers);

/**
 * A graymail category's action: the same choices, plus the safe-unsubscribe banner and link
 * rewriting for mail that is delivered (never for mail sent to an alternate recipient, who
 * did not subscribe to it).
 */
const graymailAction = z
  .strictObject({ ...actionFields, safeUnsubscribe: z.boolean().default(true) })
  .superRefine(deliverOnlyModifiers);

const graymailSettings = z.strictObject({
  marketing: graymailAction.optional(),
  social: graymailAction.optional(),
  bulk: graymailAction.optional(),
  /** Detect and record graymail, take no action on it. */
  monitorOnly: z.boolean().optional(),
  /**
   * Act only on unsigned mail. S/MIME or PGP signed or encrypted mail is never modified (no
   * banner, no tags) either way; with this on, it is not quarantined or dropped as graymail.
   */
  onlyUnsigned: z.boolean().optional(),
});

const engine = z.enum(['graywall', 'multi-scan', 'disabled']);

const threshold = (min: number) =>
  z.number().int().min(min, `must be ${min} or more`).max(99, 'must be 99 or less');

/** Anti-spam settings a policy may set; whatever it leaves out comes from the default policy. */
const policySettings = {
  /** `graywall` (our engines), `multi-scan` (ours fed with other engines' verdicts), `disabled`. */
  engine: engine.optional(),
  positiveThreshold: threshold(50).optional(),
  suspectThreshold: threshold(25).optional(),
  /** With suspect scanning off, suspected spam is treated as not spam. */
  suspectScanning: z.boolean().optional(),
  positive: actionSettings.optional(),
  suspect: actionSettings.optional(),
  unscannable: actionSettings.optional(),
  /** Per graymail category; categories left out inherit the default policy's. */
  graymail: graymailSettings.optional(),
};

const incomingPolicy = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/,
        'must be 1-64 letters, digits, spaces, dots, dashes or underscores',
      ),
    /** Recipients this policy is for. */
    recipients: z.array(addressPattern).default([]),
    /** Senders this policy is for. With recipients too, both must match. */
    senders: z.array(addressPattern).default([]),
    ...policySettings,
  })
  .refine((value) => value.recipients.length > 0 || value.senders.length > 0, {
    message: 'name recipients or senders (or both) that the policy matches',
  });

const DEFAULT_GRAYMAIL_ACTION = { action: 'deliver', archive: false, safeUnsubscribe: true } as const;

export const DEFAULT_GRAYMAIL = {
  marketing: DEFAULT_GRAYMAIL_ACTION,
  social: DEFAULT_GRAYMAIL_ACTION,
  bulk: DEFAULT_GRAYMAIL_ACTION,
  monitorOnly: false,
  onlyUnsigned: false,
} as const;

export const DEFAULT_ACTIONS = {
  positive: { action: 'quarantine', archive: false },
  suspect: { action: 'deliver', prependSubject: '[SUSPECTED SPAM] ', archive: false },
  /** Mail we could not scan (undecodable MIME, over the size limit): gateways deliver and warn. */
  unscannable: { action: 'deliver', prependSubject: '[WARNING: MESSAGE UNSCANNED] ', archive: false },
} as const;

const defaultPolicy = z.strictObject({
  engine: engine.default('graywall'),
  suspectScanning: z.boolean().default(true),
  positive: actionSettings.default(DEFAULT_ACTIONS.positive),
  suspect: actionSettings.default(DEFAULT_ACTIONS.suspect),
  unscannable: actionSettings.default(DEFAULT_ACTIONS.unscannable),
  graymail: z
    .strictObject({
      marketing: graymailAction.default(DEFAULT_GRAYMAIL_ACTION),
      social: graymailAction.default(DEFAULT_GRAYMAIL_ACTION),
      bulk: graymailAction.default(DEFAULT_GRAYMAIL_ACTION),
      monitorOnly: z.boolean().default(false),
      onlyUnsigned: z.boolean().default(false),
    })
    .default(DEFAULT_GRAYMAIL),
});

export const policiesSchema = z
  .strictObject({
    /** Applies to every recipient no incoming policy matches; thresholds come from `antispam`. */
    default: defaultPolicy.default({
      engine: 'graywall',
      suspectScanning: true,
      ...DEFAULT_ACTIONS,
      graymail: DEFAULT_GRAYMAIL,
    }),
    incoming: z.array(incomingPolicy).max(100, 'at most 100 incoming policies').default([]),
    /**
     * For mail whose envelope sender is in one of our own domains (internal mail, or mail our
     * servers relay out through SES), matched like the incoming table; falls back to default.
     */
    outgoing: z.array(incomingPolicy).max(100, 'at most 100 outgoing policies').default([]),
  })
  .default({
    default: { engine: 'graywall', suspectScanning: true, ...DEFAULT_ACTIONS, graymail: DEFAULT_GRAYMAIL },
    incoming: [],
    outgoing: [],
  })
  .superRefine((value, ctx) => {
    // Names appear in tracking records: unique across both tables, and never "default".
    const seen = new Map<string, string>();
    for (const table of ['incoming', 'outgoing'] as const) {
      value[table].forEach((policy, index) => {
        const key = policy.name.toLowerCase();
        const first = seen.get(key);
        if (key === 'default') {
          ctx.addIssue({
            code: 'custom',
            path: [table, index, 'name'],
            message: `"${policy.name}" is the name of the default policy (policies.default): give this policy another name`,
          });
        } else if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [table, index, 'name'],
            message: `policy name "${policy.name}" is already used by policies.${first} (names are unique across incoming and outgoing, ignoring case)`,
          });
        } else seen.set(key, `${table}.${index}`);
      });
    }
  });

export type ActionSettings = z.output<typeof actionSettings>;
export type GraymailActionSettings = z.output<typeof graymailAction>;
export type PolicyEngine = z.output<typeof engine>;
export type IncomingPolicyConfig = z.output<typeof incomingPolicy>;
export type PoliciesConfig = z.output<typeof policiesSchema>;
