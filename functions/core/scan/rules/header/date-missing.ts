import { headerValues } from '../../../mime/raw-message.ts';
import type { Rule } from '../rule.ts';

/** RFC 5322 requires a Date field; its absence means hand-made or broken sending software. */
export const DATE_MISSING: Rule = {
  id: 'DATE_MISSING',
  group: 'header',
  description: 'Message has no Date field',
  score: 8,
  check: ({ message }) =>
    headerValues(message.header, 'date').length === 0 ? { evidence: 'no Date' } : null,
};
