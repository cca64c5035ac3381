import { phraseRule } from '../support/patterns.ts';

/** Mortgage, refinance, debt and credit offers. */
export const BODY_MORTGAGE_LOAN = phraseRule({
  id: 'BODY_MORTGAGE_LOAN',
  group: 'body',
  description: 'Body offers mortgages, refinancing, loans, debt relief or credit repair',
  score: 12,
  where: 'body',
  phrases: [
    'mortgage rate',
    'refinance',
    'refinancing',
    'lowest rate',
    'interest rates are',
    'home loan',
    'debt consolidation',
    'consolidate your debt',
    'eliminate your debt',
    'debt free',
    'credit repair',
    'bad credit',
    'repair your credit',
    'credit card debt',
    'no credit check',
    'pre-approved',
    'pre approved',
    'approved for a',
    'lenders compete',
  ],
});
