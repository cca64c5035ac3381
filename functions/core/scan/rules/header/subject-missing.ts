import { headerValues } from '../../../mime/raw-message.ts';
import type { Rule } from '../rule.ts';

/** No Subject field at all, or an empty one. */
export const SUBJECT_MISSING: Rule = {
  id: 'SUBJECT_MISSING',
  group: 'header',
  description: 'Message has no Subject, or an empty one',
  score: 5,
  check: ({ message }) =>
    headerValues(message.header, 'subject').length === 0
      ? { evidence: 'no Subject field' }
      : message.subject.trim() === ''
        ? { evidence: 'Subject is empty' }
        : null,
};
