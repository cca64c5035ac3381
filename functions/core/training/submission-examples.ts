import { FOLDS } from '../scan/statistical/fit-model.ts';
import { hashToken } from '../scan/statistical/model.ts';
import type { SubmissionCategory } from '../submissions/submission.ts';

/**
 * What reports of misclassified mail (submissions) teach the spam model, and which of them it
 * is allowed to see.
 */
export type SpamLabel = 'spam' | 'ham';

/**
 * The spam model's label for a submission category: missed spam and missed phishing are spam,
 * "not spam" (a false positive) is ham. The graymail categories (missed-marketing,
 * not-marketing) are not spam labels at all: newsletters are legitimate bulk mail, and
 * teaching the spam model "marketing = spam" (or the reverse) would move ham towards spam.
 * The graymail classifier is signal-based and does not learn from them yet; they stay on
 * file for it.
 */
export function spamLabelOf(category: SubmissionCategory): SpamLabel | undefined {
  switch (category) {
    case 'missed-spam':
    case 'missed-phishing':
      return 'spam';
    case 'not-spam':
      return 'ham';
    case 'missed-marketing':
    case 'not-marketing':
      return undefined;
  }
}

/** One submission in every HELD_OUT_ONE_IN is held out: evaluated on, never trained on. */
export const HELD_OUT_ONE_IN = 5;

/**
 * Whether a submission is held out, by a hash of its id: the same answer on every run, so a
 * submission held out once is never trained on later (it stays a fair test of every later
 * candidate), and independent of when it arrived or what it says.
 */
export function isHeldOutSubmission(id: string): boolean {
  return hashToken(id) % HELD_OUT_ONE_IN === HELD_OUT_ONE_IN - 1;
}

/** The cross-validation fold of a trained submission, from other bits of the same hash. */
export function submissionFold(id: string): number {
  return Math.floor(hashToken(id) / HELD_OUT_ONE_IN) % FOLDS;
}
