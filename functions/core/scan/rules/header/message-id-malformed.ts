import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/** RFC 5322 §3.6.4: `<left@right>`, no spaces. Hand-rolled ratware gets it wrong. */
const MESSAGE_ID = /^<[^<>@\s]{1,250}@[^<>@\s]{1,250}>$/;

export const MESSAGE_ID_MALFORMED: Rule = {
  id: 'MESSAGE_ID_MALFORMED',
  group: 'header',
  description: 'Message-ID is not of the form <left@domain> (or its domain has no dot)',
  score: 10,
  patterns: [MESSAGE_ID],
  check: ({ message }) => {
    const value = headerValues(message.header, 'message-id')[0];
    if (value === undefined) return null;
    const id = value.slice(0, 600).trim();
    if (!MESSAGE_ID.test(id)) return { evidence: evidence(`Message-ID: ${id}`) };
    const domain = id.slice(id.lastIndexOf('@') + 1, -1);
    // A bare host name ("@localhost") is common in legitimate mail; an empty or numeric one is not.
    return domain === '' || /^\d+$/.test(domain.slice(0, 50))
      ? { evidence: evidence(`Message-ID: ${id}`) }
      : null;
  },
};
