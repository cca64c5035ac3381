import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * Several web links, none to the sender's own domain. Legitimate senders link to
 * themselves; spam sends from one throw-away domain and links to another.
 */
export const URI_NOT_FROM_DOMAIN = computedRule(
  {
    id: 'URI_NOT_FROM_DOMAIN',
    group: 'uri',
    description: "Has 3 or more web links and none goes to the sender's domain",
    score: 4,
  },
  ({ message, raw }) => {
    const view = viewOf(message, raw);
    const from = view.fromDomain;
    if (!from) return null;
    const web = view.urls.filter((url) => url.scheme !== 'mailto' && url.orgDomain);
    if (web.length < 3) return null;
    return web.some((url) => url.orgDomain === from) ? null : `From ${from}; links to ${web[0]?.host ?? ''}`;
  },
);
