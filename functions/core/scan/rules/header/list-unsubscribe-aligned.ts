import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';
import { viewOf } from '../support/message-view.ts';

/**
 * A ham signal: a List-Unsubscribe field that points back to the sender's own domain, as
 * legitimate lists and newsletters write it (RFC 2369). Scores below zero.
 */
export const LIST_UNSUBSCRIBE_ALIGNED: Rule = {
  id: 'LIST_UNSUBSCRIBE_ALIGNED',
  group: 'header',
  description: "List-Unsubscribe points to the sender's own domain (how legitimate lists write it)",
  score: -5,
  check: ({ message, raw }) => {
    const value = headerValues(message.header, 'list-unsubscribe')[0]?.slice(0, 1000).toLowerCase();
    const domain = viewOf(message, raw).fromDomain;
    if (value === undefined || !domain) return null;
    return value.includes(domain) ? { evidence: evidence(`List-Unsubscribe: ${value}`) } : null;
  },
};
