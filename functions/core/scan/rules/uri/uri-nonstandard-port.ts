import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** A web link on a port other than 80/443: a home-made server, often a compromised machine. */
export const URI_NONSTANDARD_PORT = computedRule(
  {
    id: 'URI_NONSTANDARD_PORT',
    group: 'uri',
    description: 'A web link uses a port other than 80 or 443',
    score: 8,
  },
  ({ message, raw }) =>
    viewOf(message, raw).urls.find(
      (url) => url.scheme.startsWith('http') && url.port !== '' && url.port !== '80' && url.port !== '443',
    )?.raw,
);
