import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * HTML written to defeat word filters: many comments between the letters of words
 * (`V<!-- x -->IAGRA`), or letters written as numeric character references (`&#86;&#73;`).
 */
export const HTML_OBFUSCATION = computedRule(
  {
    id: 'HTML_OBFUSCATION',
    group: 'structure',
    description: 'HTML breaks up words with comments or writes letters as numeric entities',
    score: 12,
  },
  ({ message, raw }) => {
    const html = viewOf(message, raw).html;
    if (!html) return null;
    const words = Math.max(1, html.text.length / 6);
    if (html.comments >= 10 && html.comments / words > 0.1)
      return `${html.comments} comments in ${Math.round(words)} words`;
    if (html.numericEntities >= 20 && html.numericEntities / Math.max(1, html.text.length) > 0.05)
      return `${html.numericEntities} numeric character references`;
    return null;
  },
);
