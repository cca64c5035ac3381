import type { HeldOutEvaluation } from './evaluate.ts';

/**
 * Whether a retrained candidate may replace the current model, from both models' figures on
 * the same held-out messages at the configured thresholds:
 * - refused when it flags more held-out ham (ordinary or hard) as spam than the current one
 *   does: a false positive is mail someone needed and did not get, so no gain in catching
 *   spam buys one;
 * - refused when it catches less held-out spam than the current one by more than
 *   RECALL_TOLERANCE (a share of the held-out spam), at the suspect or the positive threshold;
 * - promoted otherwise.
 *
 * The tolerances are what retraining on a handful of correct reports was measured to cost
 * (8 reports of a new scam, five different held-out splits: at suspect 1 to 3 more of ~380
 * spam caught, at positive 2 to 4 fewer): a model that learned this organisation's mail is
 * worth a few borderline corpus messages. Positive gets more room because score 90 sits just
 * above the single highest-scoring training ham, which any retrain moves a little.
 */
export const RECALL_TOLERANCE = { suspect: 0.01, positive: 0.02 } as const;

export interface PromotionDecision {
  readonly promote: boolean;
  /** One sentence with the figures, for the version record and the logs. */
  readonly reason: string;
}

export function decidePromotion(candidate: HeldOutEvaluation, current: HeldOutEvaluation): PromotionDecision {
  const figures = describeComparison(candidate, current);
  if (candidate.falsePositiveRate > current.falsePositiveRate)
    return { promote: false, reason: `more false positives on held-out ham: ${figures}` };
  if (candidate.hardHamFalsePositiveRate > current.hardHamFalsePositiveRate)
    return { promote: false, reason: `more false positives on held-out hard ham: ${figures}` };
  if (lostMore(candidate.recallSuspect, current.recallSuspect, RECALL_TOLERANCE.suspect))
    return { promote: false, reason: `catches less held-out spam at the suspect threshold: ${figures}` };
  if (lostMore(candidate.recallPositive, current.recallPositive, RECALL_TOLERANCE.positive))
    return { promote: false, reason: `catches less held-out spam at the positive threshold: ${figures}` };
  return {
    promote: true,
    reason: `no more false positives, as much spam caught (within tolerance): ${figures}`,
  };
}

/**
 * The check against the model in service, and also against the model shipped with the
 * deployment when another one is in service: each version may lose up to the tolerance
 * against the one before, so without a fixed reference a chain of promotions could drift
 * down by a tolerance per step.
 */
export function decidePromotionWithReference(
  candidate: HeldOutEvaluation,
  current: HeldOutEvaluation,
  reference?: { readonly version: string; readonly evaluation: HeldOutEvaluation },
): PromotionDecision {
  const decision = decidePromotion(candidate, current);
  if (!decision.promote || !reference) return decision;
  const shipped = decidePromotion(candidate, reference.evaluation);
  if (shipped.promote) return decision;
  return {
    promote: false,
    reason: `worse than the shipped model ${reference.version}: ${shipped.reason.replace('current → candidate', 'shipped → candidate')}`,
  };
}

/**
 * Whether recall fell by more than the tolerance. Shares are counts over the same total, so a
 * loss of exactly the tolerance must not be decided by floating-point rounding: hence the 1e-9.
 */
function lostMore(candidate: number, current: number, tolerance: number): boolean {
  return current - candidate > tolerance + 1e-9;
}

/** "current → candidate: ham FP 0/780 → 0/780, hard ham FP 0/51 → 0/51, spam caught at suspect 371/380 → 373/380, at positive ..." */
export function describeComparison(candidate: HeldOutEvaluation, current: HeldOutEvaluation): string {
  const before = counts(current);
  const after = counts(candidate);
  return (
    `current → candidate: ham FP ${before.ham} → ${after.ham}, hard ham FP ${before.hardHam} → ${after.hardHam}, ` +
    `spam caught at suspect ${before.suspect} → ${after.suspect}, at positive ${before.positive} → ${after.positive}`
  );
}

function counts(e: HeldOutEvaluation): Record<'ham' | 'hardHam' | 'suspect' | 'positive', string> {
  const of = (rate: number, total: number): string => `${Math.round(rate * total)}/${total}`;
  return {
    ham: of(e.falsePositiveRate, e.ham),
    hardHam: of(e.hardHamFalsePositiveRate, e.hardHam),
    suspect: of(e.recallSuspect, e.spam),
    positive: of(e.recallPositive, e.spam),
  };
}
