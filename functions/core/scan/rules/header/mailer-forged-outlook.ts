import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/**
 * X-Mailer claims Microsoft Outlook or Outlook Express for Windows, but the X-MimeOLE field
 * those programs always wrote (they built mail with Microsoft's MimeOLE) is missing.
 * Ratware borrows the name, not the habits. Left alone: the Macintosh editions, which never
 * wrote X-MimeOLE, and Outlook 2010 (version 14) and later, which stopped writing it, so that
 * mail from a current Outlook ("Microsoft Outlook 16.0") is not called forged.
 */
export const MAILER_FORGED_OUTLOOK: Rule = {
  id: 'MAILER_FORGED_OUTLOOK',
  group: 'header',
  description: 'X-Mailer claims Microsoft Outlook, but the message lacks what Outlook always writes',
  score: 15,
  check: ({ message }) => {
    const mailer = headerValues(message.header, 'x-mailer')[0]?.slice(0, 200);
    const lower = mailer?.toLowerCase();
    if (lower === undefined || lower.includes('macintosh')) return null;
    const name = /microsoft (?:office )?outlook/.exec(lower);
    if (!name) return null;
    const after = lower.slice(name.index + name[0].length);
    if (!after.includes('express') && (outlookVersion(after) ?? 0) >= FIRST_WITHOUT_MIMEOLE) return null;
    return headerValues(message.header, 'x-mimeole').length > 0
      ? null
      : { evidence: evidence(`X-Mailer: ${mailer}`) };
  },
};

/** Outlook 2010's version: from it on, Outlook writes no X-MimeOLE. */
const FIRST_WITHOUT_MIMEOLE = 14;

/** The major version after "Outlook": "16.0", "Build 10.0.2627", "8.5, Build 4.71...". */
function outlookVersion(afterName: string): number | undefined {
  const match = /(\d{1,3})\.\d/.exec(afterName.slice(0, 80));
  return match ? Number(match[1]) : undefined;
}
