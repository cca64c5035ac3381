import type { ParsedMessage } from '../../mime/parse-message.ts';
import { BODY_ADULT } from './body/body-adult.ts';
import { BODY_ADVANCE_FEE } from './body/body-advance-fee.ts';
import { BODY_EXCESS_EXCLAMATION } from './body/body-excess-exclamation.ts';
import { BODY_EXCESSIVE_CAPS } from './body/body-excessive-caps.ts';
import { BODY_GENERIC_GREETING } from './body/body-generic-greeting.ts';
import { BODY_GUARANTEE } from './body/body-guarantee.ts';
import { BODY_MONEY_PROMISE } from './body/body-money-promise.ts';
import { BODY_MORTGAGE_LOAN } from './body/body-mortgage-loan.ts';
import { BODY_NOT_SPAM_CLAIM } from './body/body-not-spam-claim.ts';
import { BODY_OBFUSCATED_WORD } from './body/body-obfuscated-word.ts';
import { BODY_PHARMACY } from './body/body-pharmacy.ts';
import { BODY_REMOVE_INSTRUCTIONS } from './body/body-remove-instructions.ts';
import { BODY_SHORT_WITH_LINK } from './body/body-short-with-link.ts';
import { BODY_STOCK_TOUT } from './body/body-stock-tout.ts';
import { BODY_URGENCY } from './body/body-urgency.ts';
import { COMPOSITES } from './composites.ts';
import { GTUBE } from './gtube.ts';
import { DATE_IN_FUTURE } from './header/date-in-future.ts';
import { DATE_LONG_BEFORE_RECEIVED } from './header/date-long-before-received.ts';
import { DATE_MALFORMED } from './header/date-malformed.ts';
import { DATE_MISSING } from './header/date-missing.ts';
import { FROM_FREEMAIL } from './header/from-freemail.ts';
import { FROM_LOCALPART_DIGITS } from './header/from-localpart-digits.ts';
import { FROM_NAME_OTHER_ADDRESS } from './header/from-name-other-address.ts';
import { HEADER_8BIT_UNENCODED } from './header/header-8bit-unencoded.ts';
import { LIST_UNSUBSCRIBE_ALIGNED } from './header/list-unsubscribe-aligned.ts';
import { MAILER_BULK_TOOL } from './header/mailer-bulk-tool.ts';
import { MAILER_FORGED_OUTLOOK } from './header/mailer-forged-outlook.ts';
import { MESSAGE_ID_MALFORMED } from './header/message-id-malformed.ts';
import { MESSAGE_ID_MISSING } from './header/message-id-missing.ts';
import { PRIORITY_HIGH } from './header/priority-high.ts';
import { RECEIVED_DATE_MALFORMED } from './header/received-date-malformed.ts';
import { RECEIVED_DYNAMIC_HOST } from './header/received-dynamic-host.ts';
import { RECEIVED_HELO_IP_MISMATCH } from './header/received-helo-ip-mismatch.ts';
import { RECEIVED_NO_RDNS } from './header/received-no-rdns.ts';
import { REPLY_TO_DOMAIN_DIFFERS } from './header/reply-to-domain-differs.ts';
import { REPLY_TO_FREEMAIL } from './header/reply-to-freemail.ts';
import { SUBJECT_ALL_CAPS } from './header/subject-all-caps.ts';
import { SUBJECT_EXCESS_PUNCTUATION } from './header/subject-excess-punctuation.ts';
import { SUBJECT_FAKE_REPLY } from './header/subject-fake-reply.ts';
import { SUBJECT_MISSING } from './header/subject-missing.ts';
import { SUBJECT_RANDOM_SUFFIX } from './header/subject-random-suffix.ts';
import { SUBJECT_SPAM_PHRASE } from './header/subject-spam-phrase.ts';
import { TO_EQUALS_FROM } from './header/to-equals-from.ts';
import { TO_UNDISCLOSED } from './header/to-undisclosed.ts';
import type { Rule } from './rule.ts';
import { SES_SPAM_VERDICT_FAIL, SES_VIRUS_VERDICT_FAIL } from './ses-verdicts.ts';
import { ATTACHMENT_EXECUTABLE } from './structure/attachment-executable.ts';
import { BODY_EMPTY } from './structure/body-empty.ts';
import { CHARSET_FAR_EAST } from './structure/charset-far-east.ts';
import { CHARSET_UNDECODABLE } from './structure/charset-undecodable.ts';
import { HTML_ACTIVE_CONTENT } from './structure/html-active-content.ts';
import { HTML_FORM } from './structure/html-form.ts';
import { HTML_HIDDEN_TEXT } from './structure/html-hidden-text.ts';
import { HTML_IMAGE_ONLY } from './structure/html-image-only.ts';
import { HTML_NO_TEXT } from './structure/html-no-text.ts';
import { HTML_OBFUSCATION } from './structure/html-obfuscation.ts';
import { HTML_ONLY } from './structure/html-only.ts';
import { HTML_PASSWORD_FORM } from './structure/html-password-form.ts';
import { MIME_ALTERNATIVE_MISMATCH } from './structure/mime-alternative-mismatch.ts';
import { MIME_BASE64_TEXT } from './structure/mime-base64-text.ts';
import { MIME_INVALID } from './structure/mime-invalid.ts';
import { MIME_VERSION_MISSING } from './structure/mime-version-missing.ts';
import { URI_ANCHOR_MISMATCH } from './uri/uri-anchor-mismatch.ts';
import { URI_ESCAPED_HOST } from './uri/uri-escaped-host.ts';
import { URI_FREE_HOSTING } from './uri/uri-free-hosting.ts';
import { URI_IP_HOST } from './uri/uri-ip-host.ts';
import { URI_MAILTO_REMOVE } from './uri/uri-mailto-remove.ts';
import { URI_MANY_DOMAINS } from './uri/uri-many-domains.ts';
import { URI_NONSTANDARD_PORT } from './uri/uri-nonstandard-port.ts';
import { URI_NOT_FROM_DOMAIN } from './uri/uri-not-from-domain.ts';
import { URI_REDIRECTOR } from './uri/uri-redirector.ts';
import { URI_SHORTENER } from './uri/uri-shortener.ts';
import { URI_USERINFO } from './uri/uri-userinfo.ts';
import { X_ADVERTISEMENT_SPAM } from './x-advertisement-spam.ts';

export const HEADER_RULES: readonly Rule[] = [
  DATE_IN_FUTURE,
  DATE_LONG_BEFORE_RECEIVED,
  DATE_MALFORMED,
  DATE_MISSING,
  FROM_FREEMAIL,
  FROM_LOCALPART_DIGITS,
  FROM_NAME_OTHER_ADDRESS,
  HEADER_8BIT_UNENCODED,
  LIST_UNSUBSCRIBE_ALIGNED,
  MAILER_BULK_TOOL,
  MAILER_FORGED_OUTLOOK,
  MESSAGE_ID_MALFORMED,
  MESSAGE_ID_MISSING,
  PRIORITY_HIGH,
  RECEIVED_DATE_MALFORMED,
  RECEIVED_DYNAMIC_HOST,
  RECEIVED_HELO_IP_MISMATCH,
  RECEIVED_NO_RDNS,
  REPLY_TO_DOMAIN_DIFFERS,
  REPLY_TO_FREEMAIL,
  SUBJECT_ALL_CAPS,
  SUBJECT_EXCESS_PUNCTUATION,
  SUBJECT_FAKE_REPLY,
  SUBJECT_MISSING,
  SUBJECT_RANDOM_SUFFIX,
  SUBJECT_SPAM_PHRASE,
  TO_EQUALS_FROM,
  TO_UNDISCLOSED,
];

export const BODY_RULES: readonly Rule[] = [
  BODY_ADULT,
  BODY_ADVANCE_FEE,
  BODY_EXCESS_EXCLAMATION,
  BODY_EXCESSIVE_CAPS,
  BODY_GENERIC_GREETING,
  BODY_GUARANTEE,
  BODY_MONEY_PROMISE,
  BODY_MORTGAGE_LOAN,
  BODY_NOT_SPAM_CLAIM,
  BODY_OBFUSCATED_WORD,
  BODY_PHARMACY,
  BODY_REMOVE_INSTRUCTIONS,
  BODY_SHORT_WITH_LINK,
  BODY_STOCK_TOUT,
  BODY_URGENCY,
];

export const URI_RULES: readonly Rule[] = [
  URI_ANCHOR_MISMATCH,
  URI_ESCAPED_HOST,
  URI_FREE_HOSTING,
  URI_IP_HOST,
  URI_MAILTO_REMOVE,
  URI_MANY_DOMAINS,
  URI_NONSTANDARD_PORT,
  URI_NOT_FROM_DOMAIN,
  URI_REDIRECTOR,
  URI_SHORTENER,
  URI_USERINFO,
];

export const STRUCTURE_RULES: readonly Rule[] = [
  ATTACHMENT_EXECUTABLE,
  BODY_EMPTY,
  CHARSET_FAR_EAST,
  CHARSET_UNDECODABLE,
  HTML_ACTIVE_CONTENT,
  HTML_FORM,
  HTML_HIDDEN_TEXT,
  HTML_IMAGE_ONLY,
  HTML_NO_TEXT,
  HTML_OBFUSCATION,
  HTML_ONLY,
  HTML_PASSWORD_FORM,
  MIME_ALTERNATIVE_MISMATCH,
  MIME_BASE64_TEXT,
  MIME_INVALID,
  MIME_VERSION_MISSING,
];

/** The test signals: spam by definition, for admins to exercise their policies. */
export const TEST_SIGNAL_RULES: readonly Rule[] = [GTUBE, X_ADVERTISEMENT_SPAM];

/** The id of the first test signal a message carries, if any (see TEST_SIGNAL_RULES). */
export function testSignalIn(message: ParsedMessage): string | undefined {
  return TEST_SIGNAL_RULES.find((rule) => rule.check({ message, ses: {} }) !== null)?.id;
}

/** Every rule the engine runs, in evaluation order: test signals and SES first. */
export const RULES: readonly Rule[] = [
  ...TEST_SIGNAL_RULES,
  SES_SPAM_VERDICT_FAIL,
  SES_VIRUS_VERDICT_FAIL,
  ...HEADER_RULES,
  ...BODY_RULES,
  ...URI_RULES,
  ...STRUCTURE_RULES,
];

/** Every id a score override or a composite may name: the rules and the default composites. */
export const KNOWN_RULE_IDS: ReadonlySet<string> = new Set([
  ...RULES.map((r) => r.id),
  ...COMPOSITES.map((c) => c.id),
]);

/**
 * Bumped whenever a rule or its default score changes; recorded with every verdict. A label
 * that sorts after every earlier one (date-like, but the day is a release counter: earlier
 * labels ran ahead of the calendar, so a calendar date would sort before them).
 */
export const RULES_VERSION = 'rules-2026.11.28-1';
