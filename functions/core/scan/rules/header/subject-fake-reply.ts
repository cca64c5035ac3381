import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/** "Re: your order" with no In-Reply-To or References: a reply to nothing, made to look familiar. */
export const SUBJECT_FAKE_REPLY: Rule = {
  id: 'SUBJECT_FAKE_REPLY',
  group: 'header',
  description: 'Subject starts with "Re:" but the message replies to nothing (no In-Reply-To or References)',
  score: 10,
  check: ({ message }) => {
    const subject = message.subject.slice(0, 200).trimStart().toLowerCase();
    if (!subject.startsWith('re:') && !subject.startsWith('re ')) return null;
    if (headerValues(message.header, 'in-reply-to').length > 0) return null;
    if (headerValues(message.header, 'references').length > 0) return null;
    return { evidence: evidence(message.subject) };
  },
};
