import type { CompositeRule } from './composite.ts';

/**
 * The default composites. Their scores here are defaults: `npm run train` learns one per
 * composite (stored in the model artifact) and `antispam.ruleScores` can override it;
 * `antispam.composites` in config adds composites or replaces these by id.
 */
export const COMPOSITES: readonly CompositeRule[] = [
  {
    id: 'FORGED_HEADERS_MULTIPLE',
    description: 'Forged relay hops and another forged header (Message-ID, mailer or HELO)',
    score: 15,
    allOf: ['RECEIVED_DATE_MALFORMED'],
    anyOf: ['MESSAGE_ID_MALFORMED', 'MAILER_FORGED_OUTLOOK', 'RECEIVED_HELO_IP_MISMATCH', 'DATE_MALFORMED'],
  },
  {
    id: 'BULK_REMOVE_AND_NOT_SPAM',
    description: 'Removal instructions together with a claim not to be spam',
    score: 15,
    allOf: ['BODY_REMOVE_INSTRUCTIONS', 'BODY_NOT_SPAM_CLAIM'],
  },
  {
    id: 'HTML_ONLY_HIDDEN_LINK',
    description: 'HTML-only message linking to an IP address, a disguised host or a user-name trick',
    score: 10,
    allOf: ['HTML_ONLY'],
    anyOf: ['URI_IP_HOST', 'URI_USERINFO', 'URI_ESCAPED_HOST'],
  },
  {
    id: 'NO_MESSAGE_ID_NO_DATE',
    description: 'Neither Message-ID nor Date: written by hand, not by a mail program',
    score: 10,
    allOf: ['MESSAGE_ID_MISSING', 'DATE_MISSING'],
  },
  {
    id: 'SALES_PITCH',
    description: 'Urgency and guarantees in the body, and a sales subject',
    score: 10,
    allOf: ['BODY_URGENCY', 'BODY_GUARANTEE'],
    anyOf: ['SUBJECT_SPAM_PHRASE', 'SUBJECT_ALL_CAPS', 'SUBJECT_EXCESS_PUNCTUATION'],
  },
  {
    id: 'OBFUSCATED_HTML_ONLY',
    description: 'HTML-only message that hides or disguises its words',
    score: 10,
    allOf: ['HTML_ONLY'],
    anyOf: ['HTML_OBFUSCATION', 'HTML_HIDDEN_TEXT', 'BODY_OBFUSCATED_WORD'],
  },
  {
    id: 'ADVANCE_FEE_FREEMAIL',
    description: 'Advance-fee letter from or answered at a free mailbox',
    score: 15,
    allOf: ['BODY_ADVANCE_FEE'],
    anyOf: ['FROM_FREEMAIL', 'REPLY_TO_FREEMAIL'],
  },
];
