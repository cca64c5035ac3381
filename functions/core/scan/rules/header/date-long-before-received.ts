import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';
import { receivedAt } from '../support/received-date.ts';

const DAY_MS = 86_400_000;

/**
 * The Date field is more than 4 days before the top-most Received date: ratware stamps a
 * fixed or random old date. Both dates come from the message, so an archived message replayed
 * years later compares the same way as on the day it arrived.
 */
export const DATE_LONG_BEFORE_RECEIVED: Rule = {
  id: 'DATE_LONG_BEFORE_RECEIVED',
  group: 'header',
  description: 'Date is more than 4 days before the message was received',
  score: 10,
  check: ({ message }) => {
    const date = message.date?.getTime();
    const reference = receivedAt(message.header);
    if (date === undefined || reference === undefined) return null;
    return reference - date > 4 * DAY_MS
      ? { evidence: evidence(`Date: ${headerValues(message.header, 'date')[0] ?? ''}`) }
      : null;
  },
};
