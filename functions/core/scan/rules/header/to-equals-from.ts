import { computedRule } from '../support/patterns.ts';

/** Sent "from" the recipient to the recipient: a forged sender that looks trusted. */
export const TO_EQUALS_FROM = computedRule(
  {
    id: 'TO_EQUALS_FROM',
    group: 'header',
    description: 'From is the same address as the only recipient',
    score: 8,
  },
  ({ message }) => {
    const from = message.from?.address.toLowerCase();
    const to = message.to.length === 1 ? message.to[0]?.address.toLowerCase() : undefined;
    return from && to && from === to ? from : null;
  },
);
