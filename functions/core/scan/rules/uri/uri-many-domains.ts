import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

const MANY = 10;

/** Links to ten or more different domains: link farms and affiliate blasts. */
export const URI_MANY_DOMAINS = computedRule(
  {
    id: 'URI_MANY_DOMAINS',
    group: 'uri',
    description: `Links to ${MANY} or more different domains`,
    score: 5,
  },
  ({ message, raw }) => {
    const domains = new Set<string>();
    for (const url of viewOf(message, raw).urls) {
      if (url.scheme === 'mailto' || !url.orgDomain) continue;
      domains.add(url.orgDomain);
      if (domains.size >= MANY) return `${MANY}+ domains: ${[...domains].slice(0, 4).join(', ')}, ...`;
    }
    return null;
  },
);
