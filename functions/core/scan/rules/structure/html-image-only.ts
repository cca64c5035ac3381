import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** An HTML message that is pictures and next to no text: the words are in the image, out of the filter's reach. */
export const HTML_IMAGE_ONLY = computedRule(
  {
    id: 'HTML_IMAGE_ONLY',
    group: 'structure',
    description: 'HTML message is images with almost no text (under 200 characters)',
    score: 12,
  },
  ({ message, raw }) => {
    const view = viewOf(message, raw);
    const html = view.html;
    if (!html?.tags.has('img')) return null;
    const text = html.text.replace(/\s+/g, ' ').trim();
    return text.length < 200 ? `${text.length} characters of text beside images` : null;
  },
);
