import { viewOf } from '../support/message-view.ts';
import { hasTextPart } from '../support/parts.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * Plain-text and HTML alternatives that do not say the same thing: a token text part
 * ("This is a HTML message") beside the real HTML. Filters that read only the text see
 * nothing; the reader sees the HTML.
 */
export const MIME_ALTERNATIVE_MISMATCH = computedRule(
  {
    id: 'MIME_ALTERNATIVE_MISMATCH',
    group: 'structure',
    description: 'The plain-text part is a stub much shorter than the HTML part',
    score: 8,
  },
  (context) => {
    const html = viewOf(context.message, context.raw).html;
    if (!html || !hasTextPart(context)) return null;
    const text = context.message.text.trim().length;
    const htmlText = html.text.replace(/\s+/g, ' ').trim().length;
    return htmlText >= 400 && text * 10 < htmlText ? `text ${text} characters, HTML ${htmlText}` : null;
  },
);
