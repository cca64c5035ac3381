import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';
import { receivedAt } from '../support/received-date.ts';

const DAY_MS = 86_400_000;

/**
 * The Date field lies more than a day ahead of when the message was received. "Received" is
 * the date of the top-most Received field (written by our side), or the scan's `now` when
 * there is none; with neither the rule stays silent. It never compares with the wall clock
 * alone, so replayed or archived mail is not flagged for being old.
 */
export const DATE_IN_FUTURE: Rule = {
  id: 'DATE_IN_FUTURE',
  group: 'header',
  description: 'Date is more than 24 hours after the message was received',
  score: 15,
  check: ({ message, now }) => {
    const date = message.date?.getTime();
    if (date === undefined) return null;
    const reference = receivedAt(message.header) ?? now?.getTime();
    if (reference === undefined || !Number.isFinite(reference)) return null;
    return date - reference > DAY_MS
      ? { evidence: evidence(`Date: ${headerValues(message.header, 'date')[0] ?? ''}`) }
      : null;
  },
};
