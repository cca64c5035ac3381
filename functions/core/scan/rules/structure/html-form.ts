import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** A form inside the mail: personal data typed into a message goes wherever its action says. */
export const HTML_FORM = computedRule(
  {
    id: 'HTML_FORM',
    group: 'structure',
    description: 'HTML contains a form',
    score: 8,
  },
  ({ message, raw }) => (viewOf(message, raw).html?.tags.has('form') ? '<form>' : null),
);
