import { headerValues } from '../../mime/raw-message.ts';
import { evidence, type Rule } from './rule.ts';

/**
 * The test header email gateways honour (Cisco ESA's `X-Advertisement: spam`): a message
 * carrying it is positive spam, so admins can exercise the positive-spam policy on demand.
 */
export const X_ADVERTISEMENT_SPAM: Rule = {
  id: 'X_ADVERTISEMENT_SPAM',
  group: 'test',
  description: 'Test header "X-Advertisement: spam" present',
  score: 100,
  check: ({ message }) => {
    const value = headerValues(message.header, 'x-advertisement').find(
      (v) => v.trim().toLowerCase() === 'spam',
    );
    return value === undefined ? null : { evidence: evidence(`X-Advertisement: ${value}`) };
  },
};
