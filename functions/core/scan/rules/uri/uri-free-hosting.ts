import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';
import { FREE_HOSTING_DOMAINS } from '../support/urls.ts';

/** Links to free web hosting or dynamic DNS: a site that costs nothing to throw away. */
export const URI_FREE_HOSTING = computedRule(
  {
    id: 'URI_FREE_HOSTING',
    group: 'uri',
    description: 'Links to a free web-hosting or dynamic-DNS site',
    score: 6,
  },
  ({ message, raw }) =>
    viewOf(message, raw).urls.find(
      (url) => url.scheme !== 'mailto' && FREE_HOSTING_DOMAINS.has(url.orgDomain),
    )?.raw,
);
