import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';
import { DATE_PATTERNS, isRfcDate } from '../support/received-date.ts';

/** A Date field that is not an RFC 5322 date-time (ratware writes "Jul, 30 2002 11:07:52 AM"). */
export const DATE_MALFORMED: Rule = {
  id: 'DATE_MALFORMED',
  group: 'header',
  description: 'Date field is not a valid RFC 5322 date',
  score: 10,
  patterns: DATE_PATTERNS,
  check: ({ message }) => {
    const value = headerValues(message.header, 'date')[0];
    if (value === undefined) return null;
    const date = value.slice(0, 120).trim();
    return isRfcDate(date) && message.date ? null : { evidence: evidence(`Date: ${date}`) };
  },
};
