import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';
import { SHORTENER_HOSTS } from '../support/urls.ts';

/** A link through a URL shortener hides where it really goes. */
export const URI_SHORTENER = computedRule(
  {
    id: 'URI_SHORTENER',
    group: 'uri',
    description: 'Links through a URL shortener (tinyurl, bit.ly, ...)',
    score: 8,
  },
  ({ message, raw }) =>
    viewOf(message, raw).urls.find(
      (url) => SHORTENER_HOSTS.has(url.host) || SHORTENER_HOSTS.has(url.orgDomain),
    )?.raw,
);
