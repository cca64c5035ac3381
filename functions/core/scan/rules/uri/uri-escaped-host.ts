import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** `http://%77%77%77.example/`: a %-escaped host name, written so filters cannot read it. */
export const URI_ESCAPED_HOST = computedRule(
  {
    id: 'URI_ESCAPED_HOST',
    group: 'uri',
    description: 'A link writes its host name with %-escapes',
    score: 15,
  },
  ({ message, raw }) => viewOf(message, raw).urls.find((url) => url.escapedHost)?.raw,
);
