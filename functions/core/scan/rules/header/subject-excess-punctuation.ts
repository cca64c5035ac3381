import { computedRule } from '../support/patterns.ts';

/** "Act now!!!", "$$$ CASH $$$": runs of exclamation marks or dollar signs in the Subject. */
export const SUBJECT_EXCESS_PUNCTUATION = computedRule(
  {
    id: 'SUBJECT_EXCESS_PUNCTUATION',
    group: 'header',
    description: 'Subject has runs of "!", "?" or "$" (e.g. "!!!", "$$$")',
    score: 8,
  },
  ({ message }) => {
    const subject = message.subject.slice(0, 1000);
    return subject.includes('!!') ||
      subject.includes('$$') ||
      subject.includes('?!') ||
      subject.includes('!?')
      ? subject
      : null;
  },
);
