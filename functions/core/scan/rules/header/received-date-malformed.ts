import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/**
 * Every MTA ends its Received field with "; <date>": day, month name, year, time (RFC 5322),
 * or the asctime order some write ("Wed Aug 28 10:45:49 2002"). Ratware forges extra Received
 * fields to hide the origin and gets the order wrong ("; Jul, 30 2002 11:07:52 AM +0400").
 * Only the date's core is checked: MTAs differ in spacing, zones and trailing comments.
 */
const DAY_MONTH_YEAR_TIME = /\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}/;
const ASCTIME = /[A-Za-z]{3}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}\s+\d{4}/;

export const RECEIVED_DATE_MALFORMED: Rule = {
  id: 'RECEIVED_DATE_MALFORMED',
  group: 'header',
  description: 'A Received field ends with a date no mail server writes (a forged relay hop)',
  score: 20,
  patterns: [DAY_MONTH_YEAR_TIME, ASCTIME],
  check: ({ message }) => {
    const received = headerValues(message.header, 'received');
    for (let i = 0; i < received.length && i < 30; i++) {
      const value = (received[i] as string).slice(0, 1000);
      const semicolon = value.lastIndexOf(';');
      if (semicolon === -1) continue;
      const date = value.slice(semicolon + 1, semicolon + 120).trim();
      if (!DAY_MONTH_YEAR_TIME.test(date) && !ASCTIME.test(date))
        return { evidence: evidence(`Received: ...; ${date}`) };
    }
    return null;
  },
};
