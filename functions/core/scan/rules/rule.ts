import type { ParsedMessage } from '../../mime/parse-message.ts';
import type { RuleGroup, SesVerdicts } from '../types.ts';

/** Everything a rule may look at. Built once per message; rules never do I/O. */
export interface ScanContext {
  readonly message: ParsedMessage;
  readonly ses: SesVerdicts;
}

/** A rule that fired, with optional evidence (the matched header, string or URL). */
export interface RuleMatch {
  readonly evidence?: string;
}

/**
 * A rule is data plus a small pure function. `check` returns a match when the rule fires and
 * `null` when it does not (including "does not apply to this message").
 */
export interface Rule {
  readonly id: string;
  readonly group: RuleGroup;
  readonly description: string;
  /** Default contribution to the 0-100 score; config may override it by id. */
  readonly score: number;
  readonly check: (context: ScanContext) => RuleMatch | null;
}

const MAX_EVIDENCE = 120;

/** Evidence is shown in the admin UI and logs: bounded and stripped of control characters. */
export function evidence(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_EVIDENCE ? `${clean.slice(0, MAX_EVIDENCE - 1)}…` : clean;
}
