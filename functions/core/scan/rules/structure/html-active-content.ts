import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** Script or active content in mail: no mail reader should run it; spam and malware try anyway. */
export const HTML_ACTIVE_CONTENT = computedRule(
  {
    id: 'HTML_ACTIVE_CONTENT',
    group: 'structure',
    description: 'HTML contains script, iframe, object or embed, or javascript: links',
    score: 10,
  },
  ({ message, raw }) => {
    const view = viewOf(message, raw);
    const tags = view.html?.tags;
    if (!tags) return null;
    const tag = ['script', 'iframe', 'object', 'embed', 'applet'].find((name) => tags.has(name));
    if (tag) return `<${tag}>`;
    return view.htmlLower.includes('javascript:') ? 'javascript: link' : null;
  },
);
