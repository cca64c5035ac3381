import { headerPatternRule } from '../support/patterns.ts';

/** "X-Priority: 1", "X-MSMail-Priority: High": urgency flags set on mass mail. */
export const PRIORITY_HIGH = headerPatternRule({
  id: 'PRIORITY_HIGH',
  group: 'header',
  description: 'Message is flagged high priority (X-Priority 1 or 2, X-MSMail-Priority or Importance high)',
  score: 5,
  headers: ['x-priority', 'x-msmail-priority', 'importance'],
  pattern: /^\s*(?:[12]\b|high\b|urgent\b)/i,
});
