import { headerValues } from '../../../mime/raw-message.ts';
import type { Rule } from '../rule.ts';

/** Every mail program and MTA writes a Message-ID; ratware often does not. */
export const MESSAGE_ID_MISSING: Rule = {
  id: 'MESSAGE_ID_MISSING',
  group: 'header',
  description: 'Message has no Message-ID field',
  score: 8,
  check: ({ message }) =>
    headerValues(message.header, 'message-id').length === 0 ? { evidence: 'no Message-ID' } : null,
};
