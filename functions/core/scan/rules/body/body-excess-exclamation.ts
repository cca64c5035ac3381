import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** Three or more runs of "!!" in the body. */
export const BODY_EXCESS_EXCLAMATION = computedRule(
  {
    id: 'BODY_EXCESS_EXCLAMATION',
    group: 'body',
    description: 'Body has three or more runs of exclamation marks ("!!")',
    score: 6,
  },
  ({ message, raw }) => {
    const body = viewOf(message, raw).body;
    let runs = 0;
    let at = body.indexOf('!!');
    while (at !== -1) {
      runs++;
      if (runs >= 3) return `${runs}+ runs of "!!"`;
      let end = at + 2;
      while (body.charCodeAt(end) === 0x21) end++;
      at = body.indexOf('!!', end);
    }
    return null;
  },
);
