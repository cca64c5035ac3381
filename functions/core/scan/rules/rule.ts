import type { ParsedMessage } from '../../mime/parse-message.ts';
import type { RuleGroup, SesVerdicts } from '../types.ts';

/** Everything a rule may look at. Built once per message; rules never do I/O. */
export interface ScanContext {
  readonly message: ParsedMessage;
  readonly ses: SesVerdicts;
  /**
   * The current time, from the caller's clock (the pure core has none). Rules that compare a
   * date with "now" stay silent without it, and never fire on old mail merely for being old.
   */
  readonly now?: Date;
  /** The raw bytes scanned (the header block and, in a partial scan, the first part of the body). */
  readonly raw?: Uint8Array;
  /** Only the first part of the message was scanned: rules about how it ends must stay silent. */
  readonly partial?: boolean;
}

/** A rule that fired, with optional evidence (the matched header, string or URL). */
export interface RuleMatch {
  readonly evidence?: string;
}

/**
 * A rule is data plus a small pure function. `check` returns a match when the rule fires and
 * `null` when it does not (including "does not apply to this message"); a rule that throws is
 * recorded as RULE_ERROR by the scan and never stops it.
 */
export interface Rule {
  /** UPPER_SNAKE, stable across versions: admins search for it and config overrides it by id. */
  readonly id: string;
  readonly group: RuleGroup;
  readonly description: string;
  /**
   * Default contribution to the 0-100 score. The trained artifact's learned score replaces it,
   * and `antispam.ruleScores` in config replaces both.
   */
  readonly score: number;
  readonly check: (context: ScanContext) => RuleMatch | null;
  /**
   * The regular expressions the rule runs, listed so the regex-safety tests can check every
   * one (no nested quantifiers, linear on 100 KB of hostile input).
   */
  readonly patterns?: readonly RegExp[];
}

const MAX_EVIDENCE = 120;

/** Evidence is shown in the admin UI and logs: bounded and stripped of control characters. */
export function evidence(text: string): string {
  // Cut first: the replace below then runs over a bounded string.
  const head = text.length > MAX_EVIDENCE * 4 ? text.slice(0, MAX_EVIDENCE * 4) : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = head.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_EVIDENCE ? `${clean.slice(0, MAX_EVIDENCE - 1)}…` : clean;
}
