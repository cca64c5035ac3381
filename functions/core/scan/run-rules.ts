import { evidence, type Rule, type ScanContext } from './rules/rule.ts';
import type { Reason } from './types.ts';

export interface RuleHit {
  readonly rule: Rule;
  readonly evidence?: string;
}

export interface RuleRun {
  readonly hits: readonly RuleHit[];
  /** One RULE_ERROR reason per rule that threw. */
  readonly errors: readonly Reason[];
  /** Rules evaluated before the run ended (all of them unless `shouldStop` said stop). */
  readonly evaluated: number;
  readonly stopped: boolean;
}

/**
 * Runs the rules in order. A rule that throws becomes a RULE_ERROR reason and the run goes on.
 * `shouldStop` (the caller's deadline) is polled before each rule; once it says stop, the
 * remaining rules are skipped and the run says so. Shared by the scan and by `npm run train`,
 * so the rules the weights were learned from are exactly the rules that score.
 */
export function runRules(context: ScanContext, rules: readonly Rule[], shouldStop?: () => boolean): RuleRun {
  const hits: RuleHit[] = [];
  const errors: Reason[] = [];
  let evaluated = 0;
  for (const rule of rules) {
    if (shouldStop?.()) return { hits, errors, evaluated, stopped: true };
    evaluated++;
    try {
      const match = rule.check(context);
      if (match) hits.push(match.evidence === undefined ? { rule } : { rule, evidence: match.evidence });
    } catch (error) {
      errors.push({
        id: 'RULE_ERROR',
        group: 'engine',
        description: `Rule ${rule.id} failed and was skipped`,
        score: 0,
        evidence: evidence(String((error as Error)?.message ?? error)),
      });
    }
  }
  return { hits, errors, evaluated, stopped: false };
}
