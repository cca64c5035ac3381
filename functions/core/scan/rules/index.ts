import { GTUBE } from './gtube.ts';
import type { Rule } from './rule.ts';
import { SES_SPAM_VERDICT_FAIL, SES_VIRUS_VERDICT_FAIL } from './ses-verdicts.ts';
import { X_ADVERTISEMENT_SPAM } from './x-advertisement-spam.ts';

/** Every rule the engine runs, in evaluation order. */
export const RULES: readonly Rule[] = [
  GTUBE,
  X_ADVERTISEMENT_SPAM,
  SES_SPAM_VERDICT_FAIL,
  SES_VIRUS_VERDICT_FAIL,
];

/** Bumped whenever a rule or its default score changes; recorded with every verdict. */
export const RULES_VERSION = 'rules-2026.11.25-1';
