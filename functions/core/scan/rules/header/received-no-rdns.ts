import { evidence, type Rule } from '../rule.ts';
import { originHop } from '../support/origin-hop.ts';

/**
 * The message entered the mail system from an address without a reverse DNS name
 * ("from x (unknown [192.0.2.7])" or "from x ([192.0.2.7])"). Mail servers have names;
 * infected home machines often do not. Only the origin hop is checked (see `originHop`).
 */
export const RECEIVED_NO_RDNS: Rule = {
  id: 'RECEIVED_NO_RDNS',
  group: 'header',
  description: 'The first relay hop came from an address without a reverse DNS name',
  score: 5,
  check: ({ message }) => {
    const hop = originHop(message.header);
    if (!hop) return null;
    return hop.name === '' || hop.name === 'unknown' || hop.name.endsWith(' unknown')
      ? { evidence: evidence(`Received: ${hop.value}`) }
      : null;
  },
};
