import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** `mailto:remove@...` or `mailto:...?subject=remove`: removal by e-mail, the bulk mailer's way. */
export const URI_MAILTO_REMOVE = computedRule(
  {
    id: 'URI_MAILTO_REMOVE',
    group: 'uri',
    description: 'A mailto: link asks to "remove" or "unsubscribe" by e-mail',
    score: 10,
  },
  ({ message, raw }) =>
    viewOf(message, raw).urls.find(
      (url) => url.scheme === 'mailto' && (url.rest.includes('remove') || url.rest.includes('unsubscribe')),
    )?.raw,
);
