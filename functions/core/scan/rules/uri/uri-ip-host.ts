import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** A link to a bare IP address (`http://198.51.100.7/`, `http://3325256711/`): no domain owner to hold to account. */
export const URI_IP_HOST = computedRule(
  {
    id: 'URI_IP_HOST',
    group: 'uri',
    description: 'Links to a numeric IP address instead of a domain name',
    score: 15,
  },
  ({ message, raw }) => viewOf(message, raw).urls.find((url) => url.ipHost && url.scheme !== 'mailto')?.raw,
);
