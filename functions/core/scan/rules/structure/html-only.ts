import type { Rule } from '../rule.ts';
import { hasHtml, hasTextPart } from '../support/parts.ts';

/** HTML with no plain-text alternative. Normal for some newsletters, typical of spam. */
export const HTML_ONLY: Rule = {
  id: 'HTML_ONLY',
  group: 'structure',
  description: 'Message is HTML only, without a plain-text part',
  score: 4,
  check: (context) =>
    hasHtml(context) && !hasTextPart(context) ? { evidence: 'text/html without text/plain' } : null,
};
