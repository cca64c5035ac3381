import type { Reason } from '../scan/types.ts';
import type { ExternalEngineOutcome } from './engine-verdict.ts';

/**
 * One external engine's verdict as one reason on our 0-100 scale.
 *
 * Engines score in their own units against their own threshold (rspamd's reject score,
 * SpamAssassin's required_score, typically 15 and 5), so the mapping works on the ratio
 * score / threshold: at the engine's threshold it contributes SCORE_AT_THRESHOLD (half-way
 * to our default suspect threshold of 50 on its own, so it takes our engines' agreement to
 * cross it), twice the threshold contributes the maximum, and a confident ham score
 * subtracts a little. `weight` scales the result. An engine that failed contributes 0 and
 * says why: a broken external engine must never fail or skew the scan.
 */

export const EXTERNAL_ENGINE_REASON = {
  RSPAMD_SPAM: 'RSPAMD_SPAM',
  RSPAMD_HAM: 'RSPAMD_HAM',
  SPAMD_SPAM: 'SPAMD_SPAM',
  SPAMD_HAM: 'SPAMD_HAM',
  EXTERNAL_ENGINE_ERROR: 'EXTERNAL_ENGINE_ERROR',
} as const;

export const SCORE_AT_THRESHOLD = 45;
const MAX_CONTRIBUTION = 90;
const MIN_CONTRIBUTION = -10;
const MAX_EVIDENCE = 120;
const TOP_SYMBOLS = 5;

export function externalEngineReason(outcome: ExternalEngineOutcome, weight = 1): Reason {
  if (outcome.status === 'error') {
    return {
      id: EXTERNAL_ENGINE_REASON.EXTERNAL_ENGINE_ERROR,
      group: 'engine',
      description: `External engine ${outcome.name} gave no verdict (${outcome.error}); scored without it`,
      score: 0,
      evidence: clip(outcome.detail),
    };
  }
  const rspamd = outcome.engine === 'rspamd';
  const id = rspamd
    ? outcome.isSpam
      ? EXTERNAL_ENGINE_REASON.RSPAMD_SPAM
      : EXTERNAL_ENGINE_REASON.RSPAMD_HAM
    : outcome.isSpam
      ? EXTERNAL_ENGINE_REASON.SPAMD_SPAM
      : EXTERNAL_ENGINE_REASON.SPAMD_HAM;
  const symbols = [...outcome.symbols]
    .sort((a, b) => Math.abs(b.score ?? 0) - Math.abs(a.score ?? 0))
    .slice(0, TOP_SYMBOLS)
    .map((s) => (s.score === undefined ? s.name : `${s.name}(${round(s.score)})`));
  const action = outcome.action ? ` ${outcome.action}` : '';
  return {
    id,
    group: 'engine',
    description: `${outcome.name} says ${outcome.isSpam ? 'spam' : 'not spam'} (score ${round(outcome.score)} of ${round(outcome.required)})`,
    score: contribution(outcome.score, outcome.required, outcome.isSpam, weight),
    evidence: clip(
      `${round(outcome.score)}/${round(outcome.required)}${action}${symbols.length ? `: ${symbols.join(' ')}` : ''}`,
    ),
  };
}

/** The contribution on our scale, to one decimal. */
export function contribution(score: number, required: number, isSpam: boolean, weight: number): number {
  // A threshold of 0 or less cannot scale anything: fall back to the engine's yes/no.
  let mapped: number;
  if (!(required > 0) || !Number.isFinite(score)) mapped = isSpam ? SCORE_AT_THRESHOLD : 0;
  else
    mapped = Math.min(MAX_CONTRIBUTION, Math.max(MIN_CONTRIBUTION, (score / required) * SCORE_AT_THRESHOLD));
  // The engine's own yes/no wins over a ratio it contradicts (an rspamd `reject` action below
  // its required score, e.g. from a forced action): spam is never scored as below threshold.
  if (isSpam && mapped < SCORE_AT_THRESHOLD) mapped = SCORE_AT_THRESHOLD;
  const weighted = Math.round(mapped * weight * 10) / 10;
  return Object.is(weighted, -0) ? 0 : weighted;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_EVIDENCE ? `${clean.slice(0, MAX_EVIDENCE - 1)}…` : clean;
}
