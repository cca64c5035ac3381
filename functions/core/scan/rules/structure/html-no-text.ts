import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** An HTML body with no visible text and no image: nothing for a person to read, so not written for one. */
export const HTML_NO_TEXT = computedRule(
  {
    id: 'HTML_NO_TEXT',
    group: 'structure',
    description: 'HTML part has no visible text and no images',
    score: 8,
  },
  ({ message, raw }) => {
    const html = viewOf(message, raw).html;
    if (!html || html.tags.has('img')) return null;
    return html.text.trim().length < 20 && message.text.trim().length < 20 ? 'empty HTML' : null;
  },
);
