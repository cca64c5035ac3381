import { computedRule } from '../support/patterns.ts';

/** "Dear friend", "Dear sir/madam", "Dear homeowner" at the very start: mail to nobody in particular. */
const GREETINGS = [
  'dear friend',
  'dear sir',
  'dear madam',
  'dear homeowner',
  'dear home owner',
  'dear valued customer',
  'dear customer',
  'dear user',
  'dear member',
  'dear webmaster',
  'dear business owner',
  'dear entrepreneur',
  'dear opportunity seeker',
  'dear internet user',
  'dear sir or madam',
  'dear sir/madam',
  'hello friend',
  'greetings',
];

export const BODY_GENERIC_GREETING = computedRule(
  {
    id: 'BODY_GENERIC_GREETING',
    group: 'body',
    description: 'Body opens with a greeting to nobody in particular ("Dear friend", "Dear sir/madam")',
    score: 8,
  },
  ({ message }) => {
    const start = message.text.trimStart().slice(0, 300).toLowerCase();
    const found = GREETINGS.find((greeting) => start.includes(greeting));
    return found ?? null;
  },
);
