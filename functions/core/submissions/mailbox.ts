import { addressMatches } from '../policy/match-policy.ts';
import type { SubmissionCategory } from './submission.ts';

/**
 * The submission mailbox: an address of ours that users forward misclassified mail to, as an
 * attachment. Only the organisation's own users may train the filter, and our domain in a
 * sender address proves nothing by itself, so a submission is accepted only from an address
 * in our domains that SPF or DMARC authenticated.
 */
export interface MailboxSettings {
  readonly address: string;
  /** What every message sent here reports; without it, the subject names the category. */
  readonly category?: SubmissionCategory | undefined;
}

export interface MailboxInput {
  readonly mailbox: MailboxSettings;
  readonly ownDomains: readonly string[];
  readonly envelopeFrom: string;
  /** The From header's address. */
  readonly from: string | undefined;
  /** SES (or the local gateway) verdicts on receipt. */
  readonly spf: string | undefined;
  readonly dmarc: string | undefined;
  readonly subject: string;
  /** Messages found attached (see forwardedMessages). */
  readonly attached: number;
}

export type MailboxDecision =
  | { readonly accept: true; readonly category: SubmissionCategory; readonly submittedBy: string }
  | { readonly accept: false; readonly reason: string };

/**
 * A category named at the start of the subject, as users type it: "spam", "not spam",
 * "[phishing] Fwd: ...". Only at the start: a forwarded message's own subject follows, and
 * "Fwd: Cheap spam filter offer" must not read as a report.
 */
const SUBJECT_CATEGORIES: ReadonlyArray<readonly [RegExp, SubmissionCategory]> = [
  [/^(not[ -]?spam|false[ -]positive|ham)\b/, 'not-spam'],
  [/^not[ -]?(marketing|newsletter)\b/, 'not-marketing'],
  [/^phish(ing)?\b/, 'missed-phishing'],
  [/^(marketing|newsletter|graymail)\b/, 'missed-marketing'],
  [/^spam\b/, 'missed-spam'],
];

export function categoryFromSubject(subject: string): SubmissionCategory | undefined {
  const start = subject
    .trim()
    .toLowerCase()
    .replace(/^[[(]\s*/, '');
  return SUBJECT_CATEGORIES.find(([pattern]) => pattern.test(start))?.[1];
}

export function decideMailbox(input: MailboxInput): MailboxDecision {
  const own = (address: string | undefined): boolean =>
    address !== undefined &&
    input.ownDomains.some(
      (domain) => addressMatches(domain, address) || addressMatches(`.${domain}`, address),
    );
  if (input.envelopeFrom === '')
    return { accept: false, reason: 'it has no return path (a bounce or auto-reply), so no sender to trust' };
  if (!own(input.envelopeFrom) || !own(input.from)) {
    return {
      accept: false,
      reason: `the sender (<${input.envelopeFrom}>, From ${input.from ?? 'missing'}) is not in the organisation's domains`,
    };
  }
  const spfPass = input.spf === 'PASS';
  const dmarcPass = input.dmarc === 'PASS';
  if (!spfPass && !dmarcPass) {
    return {
      accept: false,
      reason: `the sender is not authenticated (SPF ${input.spf ?? 'not checked'}, DMARC ${input.dmarc ?? 'not checked'}): anyone can write our domain`,
    };
  }
  const category = input.mailbox.category ?? categoryFromSubject(input.subject);
  if (!category) {
    return {
      accept: false,
      reason:
        'the subject names no category: start it with "spam", "not spam", "phishing", "marketing" or "not marketing"',
    };
  }
  if (input.attached === 0)
    return { accept: false, reason: 'no message is attached: forward the message as an attachment' };
  // DMARC vouches for the From address, SPF for the envelope sender: name the one verified.
  return { accept: true, category, submittedBy: (dmarcPass ? input.from : input.envelopeFrom) as string };
}
