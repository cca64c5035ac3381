import { headerValues } from '../../../mime/raw-message.ts';
import type { Rule } from '../rule.ts';

/** No visible recipient: no To field, an empty one, or "undisclosed-recipients". */
export const TO_UNDISCLOSED: Rule = {
  id: 'TO_UNDISCLOSED',
  group: 'header',
  description: 'No visible recipient (To missing, empty or "undisclosed-recipients")',
  score: 5,
  check: ({ message }) => {
    const to = headerValues(message.header, 'to');
    if (to.length === 0) return { evidence: 'no To field' };
    const value = (to[0] ?? '').slice(0, 300).trim().toLowerCase();
    if (value === '' || value === ';' || value === ':;') return { evidence: 'To is empty' };
    return value.includes('undisclosed') || value.includes('recipient list suppressed')
      ? { evidence: `To: ${value.slice(0, 60)}` }
      : null;
  },
};
