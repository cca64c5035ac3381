import { z } from 'zod';
import { BadRequestError } from '../errors.ts';

/**
 * Reports of misclassified mail ("submissions"). Each is a copy of the message and a small
 * JSON record of who reported it, when and as what, kept side by side in the mail bucket:
 *
 *   submissions/<yyyy-mm-dd>/<id>.eml    the message as it arrived
 *   submissions/<yyyy-mm-dd>/<id>.json   the record (written last: it is what makes a
 *                                        submission exist, so a half-written one is never listed)
 *
 * Ids start with the submission time, so keys sort by time within a day. Submissions are
 * training data: they do not expire.
 */
export const SUBMISSIONS_PREFIX = 'submissions/';

export const SUBMISSION_CATEGORIES = [
  'missed-spam',
  'not-spam',
  'missed-marketing',
  'not-marketing',
  'missed-phishing',
] as const;
export type SubmissionCategory = (typeof SUBMISSION_CATEGORIES)[number];

/** How the report came in. */
export const SUBMISSION_SOURCES = ['admin', 'quarantine-release', 'mailbox'] as const;
export type SubmissionSource = (typeof SUBMISSION_SOURCES)[number];

/** 20261125T032501Z-3f9a1c2e: time (UTC, to the second) and 8 random hex digits. */
const ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T\d{6}Z-[0-9a-f]{8}$/;

/**
 * Largest message accepted as an upload. It travels base64-encoded in the request, and a
 * synchronously invoked Lambda takes at most 6 MB of event: 4 MiB becomes 5.6 MB. (A tracked
 * message is copied inside S3 and has no such limit.)
 */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

export const submissionSchema = z.strictObject({
  id: z.string().regex(ID_PATTERN),
  category: z.enum(SUBMISSION_CATEGORIES),
  source: z.enum(SUBMISSION_SOURCES),
  /** IAM principal, CLI user or the reporting mailbox's sender. */
  submittedBy: z.string().min(1).max(512),
  submittedAt: z.iso.datetime(),
  /** The SES message id when the message went through Graywall (its tracking record). */
  messageId: z.string().min(1).max(128).optional(),
  /** The score and verdict Graywall gave it, when it scanned it. */
  verdict: z
    .strictObject({ score: z.number(), spam: z.string(), graymail: z.string().optional() })
    .optional(),
  size: z.number().int().nonnegative(),
  from: z.string().max(320).optional(),
  subject: z.string().max(998).optional(),
  /** Free text from the reporter, e.g. "customer newsletter, they subscribed". */
  note: z.string().max(1000).optional(),
  /** SHA-256 of the message, hex: the same message reported twice is trained on once. */
  digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** An admin took the report back: it trains no later version. */
  withdrawn: z
    .strictObject({
      by: z.string().min(1).max(512),
      at: z.iso.datetime(),
    })
    .optional(),
});
export type Submission = z.output<typeof submissionSchema>;

/** A new submission id from the time and 4 random bytes (the caller brings both: the core has no clock or randomness). */
export function newSubmissionId(at: Date, random: Uint8Array): string {
  if (random.length < 4) throw new RangeError('need 4 random bytes');
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${Buffer.from(random.subarray(0, 4)).toString('hex')}`;
}

/** Checks an id from outside (an API path): it becomes part of an S3 key. */
export function parseSubmissionId(text: string): string {
  if (!ID_PATTERN.test(text)) throw new BadRequestError(`"${text.slice(0, 80)}" is not a submission id`);
  return text;
}

export function submissionDay(id: string): string {
  const match = ID_PATTERN.exec(id);
  if (!match) throw new BadRequestError(`"${id.slice(0, 80)}" is not a submission id`);
  return `${match[1]}-${match[2]}-${match[3]}`;
}

export function submissionKeys(id: string): { readonly message: string; readonly record: string } {
  const base = `${SUBMISSIONS_PREFIX}${submissionDay(id)}/${id}`;
  return { message: `${base}.eml`, record: `${base}.json` };
}

export function parseSubmissionCategory(text: unknown): SubmissionCategory {
  if (typeof text === 'string' && (SUBMISSION_CATEGORIES as readonly string[]).includes(text))
    return text as SubmissionCategory;
  throw new BadRequestError(`category must be one of ${SUBMISSION_CATEGORIES.join(', ')}`);
}

/** Reads a stored record back; a record that does not parse is reported, never half-trusted. */
export function parseSubmissionRecord(json: string): Submission | undefined {
  try {
    const result = submissionSchema.safeParse(JSON.parse(json));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** What the category says Graywall got wrong, in a sentence for the tracking record. */
export function describeCategory(category: SubmissionCategory): string {
  switch (category) {
    case 'missed-spam':
      return 'spam Graywall did not catch';
    case 'not-spam':
      return 'not spam (a false positive)';
    case 'missed-marketing':
      return 'marketing mail Graywall did not recognise';
    case 'not-marketing':
      return 'not marketing mail';
    case 'missed-phishing':
      return 'phishing Graywall did not catch';
  }
}
