import type { Combination, ProfileAnchors, ScanProfile } from './statistical/model.ts';

/**
 * Score points of the learned combination (see Combination in statistical/model.ts). One
 * unit of z is worth `40 / (positiveZ - suspectZ)` points in the chosen profile, and the
 * statistical part carries the offset that puts z = suspectZ at 50, so the points of the
 * classifier and of every rule that fired add up exactly to the score. The scan shows that
 * offset as a reason of its own (`baselinePoints`), so the classifier's reason shows only
 * what the classifier added.
 */
export function pointsPerLogit(anchors: ProfileAnchors): number {
  return 40 / (anchors.positiveZ - anchors.suspectZ);
}

/**
 * Points of the (main) classifier's part of z: 50 + k · (bias + statWeight · clamp(logit) − suspectZ),
 * shown within ±100 (beyond that no rule could change the verdict anyway).
 */
export function statisticalPoints(combination: Combination, profile: ScanProfile, logit: number): number {
  const anchors = combination.profiles[profile];
  const z = combination.bias + combination.statWeight * clampLogit(combination, logit);
  return roundPoints(Math.min(100, Math.max(-100, 50 + pointsPerLogit(anchors) * (z - anchors.suspectZ))));
}

/**
 * The offset inside `statisticalPoints`: what a message scores when the classifier is at even
 * odds and no rule fires, 50 + k · (bias − suspectZ), within ±100.
 */
export function baselinePoints(combination: Combination, profile: ScanProfile): number {
  const anchors = combination.profiles[profile];
  return roundPoints(
    Math.min(100, Math.max(-100, 50 + pointsPerLogit(anchors) * (combination.bias - anchors.suspectZ))),
  );
}

/**
 * Points of the header classifier's part of z: k · headerWeight · clamp(headerLogit), shown
 * within ±100. A header classifier at even odds (log-odds 0) adds nothing.
 */
export function headerPoints(combination: Combination, profile: ScanProfile, headerLogit: number): number {
  const weight = combination.headerWeight ?? 0;
  const points =
    pointsPerLogit(combination.profiles[profile]) * weight * clampLogit(combination, headerLogit);
  return roundPoints(Math.min(100, Math.max(-100, points)));
}

function clampLogit(combination: Combination, logit: number): number {
  return Number.isNaN(logit) ? 0 : Math.min(combination.logitClamp, Math.max(-combination.logitClamp, logit));
}

/** Points of a rule's learned weight, or undefined when the rule has none (its default applies). */
export function learnedRulePoints(
  combination: Combination,
  profile: ScanProfile,
  id: string,
): number | undefined {
  const weight = combination.ruleWeights.get(id);
  return weight === undefined
    ? undefined
    : roundPoints(pointsPerLogit(combination.profiles[profile]) * weight);
}

/**
 * Points in whole tenths, for summing: every reason shows one decimal, and a float sum of them
 * can land a hair under a .5 and round down a score its reasons add up to. The scan and the
 * retraining job's evaluation both add tenths, so they agree to the point.
 */
export function tenthsOf(points: number): number {
  return Number.isFinite(points) ? Math.round(points * 10) : 0;
}

/** Reasons show one decimal: enough to explain, few enough to read. */
export function roundPoints(points: number): number {
  return Number.isFinite(points) ? Math.round(points * 10) / 10 : 0;
}
