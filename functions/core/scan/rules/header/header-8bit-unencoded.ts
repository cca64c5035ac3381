import { evidence, type Rule } from '../rule.ts';

/**
 * Raw 8-bit bytes in Subject or From instead of RFC 2047 encoded-words: the reader's program
 * has to guess the charset. Legitimate programs encode; bulk tools often do not.
 */
export const HEADER_8BIT_UNENCODED: Rule = {
  id: 'HEADER_8BIT_UNENCODED',
  group: 'header',
  description: 'Subject or From contains raw 8-bit characters without RFC 2047 encoding',
  score: 8,
  check: ({ message }) => {
    for (const field of message.header.fields) {
      if (field.key !== 'subject' && field.key !== 'from') continue;
      const value = field.value.slice(0, 1000);
      for (let i = 0; i < value.length; i++) {
        if (value.charCodeAt(i) >= 0x80) return { evidence: evidence(`${field.name}: ${value}`) };
      }
    }
    return null;
  },
};
