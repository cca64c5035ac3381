import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/**
 * X-Mailer claims Microsoft Outlook or Outlook Express for Windows, but the X-MimeOLE field
 * those programs always write (they build mail with Microsoft's MimeOLE) is missing.
 * Ratware borrows the name, not the habits. The Macintosh editions write no X-MimeOLE and
 * are left alone.
 */
export const MAILER_FORGED_OUTLOOK: Rule = {
  id: 'MAILER_FORGED_OUTLOOK',
  group: 'header',
  description: 'X-Mailer claims Microsoft Outlook, but the message lacks what Outlook always writes',
  score: 15,
  check: ({ message }) => {
    const mailer = headerValues(message.header, 'x-mailer')[0]?.slice(0, 200);
    const lower = mailer?.toLowerCase();
    if (lower === undefined || !lower.includes('microsoft outlook') || lower.includes('macintosh'))
      return null;
    return headerValues(message.header, 'x-mimeole').length > 0
      ? null
      : { evidence: evidence(`X-Mailer: ${mailer}`) };
  },
};
