import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** `http://www.bank.example@evil.example/`: everything before the @ is decoration the browser ignores. */
export const URI_USERINFO = computedRule(
  {
    id: 'URI_USERINFO',
    group: 'uri',
    description: 'A link hides its real host behind a user name ("http://bank.example@other.example/")',
    score: 15,
  },
  ({ message, raw }) =>
    viewOf(message, raw).urls.find((url) => url.hasUserinfo && url.scheme.startsWith('http'))?.raw,
);
