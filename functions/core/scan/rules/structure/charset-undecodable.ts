import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * Text that does not decode in its declared charset (U+FFFD replacement characters): a
 * wrong or missing charset declaration, the "charset trick" that hides words from filters.
 */
export const CHARSET_UNDECODABLE = computedRule(
  {
    id: 'CHARSET_UNDECODABLE',
    group: 'structure',
    description: 'Body text does not decode in its declared character set',
    score: 6,
  },
  ({ message, raw }) => {
    const body = viewOf(message, raw).body;
    if (body.indexOf('\ufffd') === -1) return null;
    let bad = 0;
    for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) === 0xfffd) bad++;
    return bad >= 10 && bad / Math.max(1, body.length) > 0.01 ? `${bad} undecodable characters` : null;
  },
);
