import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** Hardly any text but a link: "see this", and the real content is the site behind it. */
export const BODY_SHORT_WITH_LINK = computedRule(
  {
    id: 'BODY_SHORT_WITH_LINK',
    group: 'body',
    description: 'Body is a few words and a link',
    score: 6,
  },
  ({ message, raw }) => {
    const view = viewOf(message, raw);
    const web = view.urls.filter((url) => url.scheme !== 'mailto');
    if (web.length === 0) return null;
    let words = 0;
    for (let at = view.body.indexOf(' '); at !== -1 && words < 40; at = view.body.indexOf(' ', at + 1))
      words++;
    return words < 25 ? `${words + 1} words, link ${web[0]?.raw ?? ''}` : null;
  },
);
