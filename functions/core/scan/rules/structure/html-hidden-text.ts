import { findHiddenText } from '../support/hidden-text.ts';
import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * Text hidden from the reader but not from the filter: text in the colour of what is painted
 * behind it, zero or one-pixel fonts, `display:none`, `visibility:hidden`. Used to pad spam
 * with innocent words. Read as a browser paints it (see findHiddenText): white text on a
 * coloured button, or a newsletter's hidden preview line, is not hidden text.
 */
export const HTML_HIDDEN_TEXT = computedRule(
  {
    id: 'HTML_HIDDEN_TEXT',
    group: 'structure',
    description: 'HTML hides text from the reader (text in the background colour, tiny font, display:none)',
    score: 8,
  },
  ({ message, raw }) => {
    const lower = viewOf(message, raw).htmlLower;
    if (!lower) return null;
    const found = findHiddenText(lower);
    return found ? `${found.chars} characters hidden; ${found.evidence}` : null;
  },
);
