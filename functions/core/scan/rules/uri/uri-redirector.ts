import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * A link that carries another URL to bounce to (`...?url=http://...`, `rd.yahoo.com/*http://`):
 * an open redirector on a reputable site launders the spammer's address.
 */
export const URI_REDIRECTOR = computedRule(
  {
    id: 'URI_REDIRECTOR',
    group: 'uri',
    description: 'A link passes through a redirector to another web address',
    score: 8,
  },
  ({ message, raw }) =>
    viewOf(message, raw).urls.find((url) => {
      if (!url.scheme.startsWith('http')) return false;
      const inner = url.rest.indexOf('http');
      if (inner === -1) return false;
      const after = url.rest.slice(inner, inner + 12);
      return (
        after.startsWith('http://') ||
        after.startsWith('https://') ||
        after.startsWith('http%3a') ||
        after.startsWith('https%3a')
      );
    })?.raw,
);
