import type { SpamVerdict, Thresholds } from './types.ts';

/** Maps a 0-100 score to a verdict. Scores at a threshold count as reaching it. */
export function verdictForScore(score: number, thresholds: Thresholds): Exclude<SpamVerdict, 'unscannable'> {
  if (score >= thresholds.positiveThreshold) return 'positive';
  if (score >= thresholds.suspectThreshold) return 'suspect';
  return 'clean';
}

/** Clamps a raw rule sum into the 0-100 scale; NaN (a broken rule) counts as 0. */
export function clampScore(sum: number): number {
  if (!Number.isFinite(sum)) return sum > 0 ? 100 : 0;
  return Math.min(100, Math.max(0, Math.round(sum)));
}
