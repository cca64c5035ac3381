import type { GraymailResult } from '../graymail/classify-graymail.ts';
import { SCORE_BASELINE } from './scan-message.ts';
import type { Reason, ScanResult } from './types.ts';

const VERDICT_WORDS = {
  positive: 'positive spam',
  suspect: 'suspected spam',
  clean: 'not spam',
  unscannable: 'not scanned',
} as const;

const TOP_REASONS = 5;

/**
 * The human-readable result header, e.g.
 * `score=100; verdict=positive spam; graymail=none; top=GTUBE(+100), X_ADVERTISEMENT_SPAM(+100)`.
 * Only ids and numbers go into it: evidence stays in the tracking record, never in mail.
 */
/**
 * The reasons worth naming first: the scale's starting point (SCORE_BASELINE) is in every
 * scored message and says nothing about this one, so it is never a "top reason".
 */
export function topReasons(reasons: readonly Reason[], count: number): Reason[] {
  return reasons.filter((reason) => reason.id !== SCORE_BASELINE).slice(0, count);
}

export function formatResultHeader(scan: ScanResult, graymail: GraymailResult | undefined): string {
  const top = topReasons(scan.reasons, TOP_REASONS)
    .map((reason) => `${reason.id}(${reason.score >= 0 ? '+' : ''}${reason.score})`)
    .join(', ');
  const parts = [`score=${scan.score}`, `verdict=${VERDICT_WORDS[scan.verdict]}`];
  if (graymail) parts.push(`graymail=${graymail.category}`);
  parts.push(`top=${top || 'none'}`);
  parts.push(`engine=${scan.engineVersion}`);
  return parts.join('; ');
}
