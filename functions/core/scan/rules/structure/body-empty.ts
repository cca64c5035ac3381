import { computedRule } from '../support/patterns.ts';

/** Nothing to read and nothing attached. */
export const BODY_EMPTY = computedRule(
  {
    id: 'BODY_EMPTY',
    group: 'structure',
    description: 'Message has no text, no HTML and no attachments',
    score: 5,
  },
  ({ message }) =>
    message.text.trim() === '' && message.html.trim() === '' && message.attachments.length === 0
      ? 'empty body'
      : null,
);
