import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/** A MIME message (HTML or multipart) without the MIME-Version field every MIME writer adds (RFC 2045 §4). */
export const MIME_VERSION_MISSING: Rule = {
  id: 'MIME_VERSION_MISSING',
  group: 'structure',
  description: 'HTML or multipart message without a MIME-Version field',
  score: 8,
  check: ({ message }) => {
    if (headerValues(message.header, 'mime-version').length > 0) return null;
    const type = (headerValues(message.header, 'content-type')[0] ?? '').slice(0, 200).trim().toLowerCase();
    return type.startsWith('multipart/') || type.startsWith('text/html')
      ? { evidence: evidence(`Content-Type: ${type}`) }
      : null;
  },
};
