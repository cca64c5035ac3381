import { describe, it } from 'vitest';
import { DATE_IN_FUTURE } from '../../../../functions/core/scan/rules/header/date-in-future.ts';
import { DATE_LONG_BEFORE_RECEIVED } from '../../../../functions/core/scan/rules/header/date-long-before-received.ts';
import { DATE_MALFORMED } from '../../../../functions/core/scan/rules/header/date-malformed.ts';
import { DATE_MISSING } from '../../../../functions/core/scan/rules/header/date-missing.ts';
import { FROM_FREEMAIL } from '../../../../functions/core/scan/rules/header/from-freemail.ts';
import { FROM_LOCALPART_DIGITS } from '../../../../functions/core/scan/rules/header/from-localpart-digits.ts';
import { FROM_NAME_OTHER_ADDRESS } from '../../../../functions/core/scan/rules/header/from-name-other-address.ts';
import { HEADER_8BIT_UNENCODED } from '../../../../functions/core/scan/rules/header/header-8bit-unencoded.ts';
import { LIST_UNSUBSCRIBE_ALIGNED } from '../../../../functions/core/scan/rules/header/list-unsubscribe-aligned.ts';
import { MAILER_BULK_TOOL } from '../../../../functions/core/scan/rules/header/mailer-bulk-tool.ts';
import { MAILER_FORGED_OUTLOOK } from '../../../../functions/core/scan/rules/header/mailer-forged-outlook.ts';
import { MESSAGE_ID_MALFORMED } from '../../../../functions/core/scan/rules/header/message-id-malformed.ts';
import { MESSAGE_ID_MISSING } from '../../../../functions/core/scan/rules/header/message-id-missing.ts';
import { PRIORITY_HIGH } from '../../../../functions/core/scan/rules/header/priority-high.ts';
import { RECEIVED_DATE_MALFORMED } from '../../../../functions/core/scan/rules/header/received-date-malformed.ts';
import { RECEIVED_DYNAMIC_HOST } from '../../../../functions/core/scan/rules/header/received-dynamic-host.ts';
import { RECEIVED_HELO_IP_MISMATCH } from '../../../../functions/core/scan/rules/header/received-helo-ip-mismatch.ts';
import { RECEIVED_NO_RDNS } from '../../../../functions/core/scan/rules/header/received-no-rdns.ts';
import { REPLY_TO_DOMAIN_DIFFERS } from '../../../../functions/core/scan/rules/header/reply-to-domain-differs.ts';
import { REPLY_TO_FREEMAIL } from '../../../../functions/core/scan/rules/header/reply-to-freemail.ts';
import { SUBJECT_ALL_CAPS } from '../../../../functions/core/scan/rules/header/subject-all-caps.ts';
import { SUBJECT_EXCESS_PUNCTUATION } from '../../../../functions/core/scan/rules/header/subject-excess-punctuation.ts';
import { SUBJECT_FAKE_REPLY } from '../../../../functions/core/scan/rules/header/subject-fake-reply.ts';
import { SUBJECT_MISSING } from '../../../../functions/core/scan/rules/header/subject-missing.ts';
import { SUBJECT_RANDOM_SUFFIX } from '../../../../functions/core/scan/rules/header/subject-random-suffix.ts';
import { SUBJECT_SPAM_PHRASE } from '../../../../functions/core/scan/rules/header/subject-spam-phrase.ts';
import { TO_EQUALS_FROM } from '../../../../functions/core/scan/rules/header/to-equals-from.ts';
import { TO_UNDISCLOSED } from '../../../../functions/core/scan/rules/header/to-undisclosed.ts';
import { expectCase, mail, type RuleCase } from './rule-harness.ts';

const RECEIVED = (from: string, date = 'Tue, 30 Jul 2002 12:29:44 -0400') =>
  `from ${from} by mx.example.com with ESMTP id 7A1364406D; ${date}`;

const CASES: readonly RuleCase[] = [
  {
    rule: DATE_IN_FUTURE,
    fires: 'a Date three days after the top Received date',
    firing: mail({ Date: 'Fri, 02 Aug 2002 12:20:00 -0400' }),
    silentOn: 'a 2002 message scanned today (old is not the future)',
    silent: mail(),
    evidence: 'Date: Fri, 02 Aug 2002',
  },
  {
    rule: DATE_IN_FUTURE,
    fires: 'a Date ahead of the scan clock when there is no Received field',
    firing: mail({ Received: null, Date: 'Fri, 02 Aug 2030 12:20:00 -0400' }),
    extra: { now: new Date('2030-07-30T00:00:00Z') },
    silentExtra: {},
    silentOn: 'no Received field and no clock (nothing to compare with)',
    silent: mail({ Received: null, Date: 'Fri, 02 Aug 2030 12:20:00 -0400' }),
  },
  {
    rule: DATE_LONG_BEFORE_RECEIVED,
    fires: 'a Date ten days before the top Received date',
    firing: mail({ Date: 'Sat, 20 Jul 2002 12:20:00 -0400' }),
    silentOn: 'a Date minutes before it',
    silent: mail(),
  },
  {
    rule: DATE_MALFORMED,
    fires: 'a ratware date',
    firing: mail({ Date: 'Jul, 30 2002 11:07:52 AM +0400' }),
    silentOn: 'an RFC 5322 date with a zone comment',
    silent: mail({ Date: 'Tue, 30 Jul 2002 12:20:00 -0400 (EDT)' }),
  },
  {
    rule: DATE_MISSING,
    fires: 'no Date field',
    firing: mail({ Date: null }),
    silentOn: 'a Date field',
    silent: mail(),
  },
  {
    rule: FROM_FREEMAIL,
    fires: 'a hotmail sender',
    firing: mail({ From: 'Someone <someone@hotmail.com>' }),
    silentOn: 'a company sender',
    silent: mail(),
  },
  {
    rule: FROM_LOCALPART_DIGITS,
    fires: 'tfumlmprospect_111815@…',
    firing: mail({ From: 'tfumlmprospect_111815@hotpop.com' }),
    silentOn: 'alice2@…',
    silent: mail({ From: 'alice2@example.org' }),
  },
  {
    rule: FROM_NAME_OTHER_ADDRESS,
    fires: 'a display name showing a bank address',
    firing: mail({ From: '"service@bank.example" <x@elsewhere.example>' }),
    silentOn: 'a display name showing the same domain',
    silent: mail({ From: '"alice@example.org" <alice@mail.example.org>' }),
  },
  {
    rule: HEADER_8BIT_UNENCODED,
    fires: 'raw 8-bit bytes in the Subject',
    firing: mail({ Subject: 'Save \xa35.00 today' }),
    silentOn: 'an RFC 2047 encoded Subject',
    silent: mail({ Subject: '=?iso-8859-1?Q?Save_=A35.00_today?=' }),
  },
  {
    rule: LIST_UNSUBSCRIBE_ALIGNED,
    fires: "List-Unsubscribe at the sender's domain",
    firing: mail({ 'List-Unsubscribe': '<mailto:leave-news@lists.example.org>' }),
    silentOn: 'List-Unsubscribe at another domain',
    silent: mail({ 'List-Unsubscribe': '<http://unsub.other.example/x>' }),
  },
  {
    rule: MAILER_BULK_TOOL,
    fires: 'X-Mailer: Advanced Mass Sender',
    firing: mail({ 'X-Mailer': 'Advanced Mass Sender v 3.21b' }),
    silentOn: 'X-Mailer: Mutt',
    silent: mail({ 'X-Mailer': 'Mutt/1.4i' }),
  },
  {
    rule: MAILER_FORGED_OUTLOOK,
    fires: 'Outlook Express without X-MimeOLE',
    firing: mail({ 'X-Mailer': 'Microsoft Outlook Express 6.00.2600.0000' }),
    silentOn: 'Outlook Express with X-MimeOLE',
    silent: mail({
      'X-Mailer': 'Microsoft Outlook Express 6.00.2600.0000',
      'X-MimeOLE': 'Produced By Microsoft MimeOLE V6.00.2600.0000',
    }),
  },
  {
    rule: MAILER_FORGED_OUTLOOK,
    fires: 'Outlook 2002 (Build 10.0) without X-MimeOLE',
    firing: mail({ 'X-Mailer': 'Microsoft Outlook, Build 10.0.2627' }),
    silentOn: 'Outlook 2016, which writes no X-MimeOLE',
    silent: mail({ 'X-Mailer': 'Microsoft Outlook 16.0' }),
  },
  {
    rule: MESSAGE_ID_MALFORMED,
    fires: 'a Message-ID without angle brackets',
    firing: mail({ 'Message-ID': '12345.abc@' }),
    silentOn: 'a bare-host Message-ID (@localhost)',
    silent: mail({ 'Message-ID': '<1234.5678@localhost>' }),
  },
  {
    rule: MESSAGE_ID_MISSING,
    fires: 'no Message-ID',
    firing: mail({ 'Message-ID': null }),
    silentOn: 'a Message-ID',
    silent: mail(),
  },
  {
    rule: PRIORITY_HIGH,
    fires: 'X-Priority: 1 (Highest)',
    firing: mail({ 'X-Priority': '1 (Highest)' }),
    silentOn: 'X-Priority: 3 (Normal)',
    silent: mail({ 'X-Priority': '3 (Normal)' }),
  },
  {
    rule: RECEIVED_DATE_MALFORMED,
    fires: 'a forged hop dated "Jul, 30 2002 11:07:52 AM"',
    firing: mail().replace(
      '\r\nFrom:',
      `\r\nReceived: ${RECEIVED('[192.0.2.99]', 'Jul, 30 2002 11:07:52 AM +0400')}\r\nFrom:`,
    ),
    silentOn: 'hops dated with zone colons, comments and the asctime form',
    silent: mail().replace(
      '\r\nFrom:',
      `\r\nReceived: ${RECEIVED('a.example', 'Mon, 02 Sep 2002 01:07:29 -08:00 (envelope-from <x@y.example>)')}\r\nReceived: ${RECEIVED('b.example', 'Wed Aug 28 10:45:49 2002 +0100')}\r\nFrom:`,
    ),
  },
  {
    rule: RECEIVED_DYNAMIC_HOST,
    fires: 'a first hop from a DSL customer',
    firing: mail({
      Received: RECEIVED('pc1 (adsl-216-103-211-240.dsl.snfc21.pacbell.net [216.103.211.240])'),
    }),
    silentOn: 'a first hop from a mail server',
    silent: mail(),
  },
  {
    rule: RECEIVED_HELO_IP_MISMATCH,
    fires: 'HELO 210.97.99.2 from 212.62.87.8',
    firing: mail({ Received: RECEIVED('210.97.99.2 (unknown [212.62.87.8])') }),
    silentOn: 'HELO with the same address',
    silent: mail({ Received: RECEIVED('192.0.2.7 (unknown [192.0.2.7])') }),
  },
  {
    rule: RECEIVED_NO_RDNS,
    fires: 'a first hop from "unknown"',
    firing: mail({ Received: RECEIVED('pc1 (unknown [198.51.100.20])') }),
    silentOn: 'a first hop with a host name',
    silent: mail(),
  },
  {
    rule: RECEIVED_NO_RDNS,
    fires: 'an origin hop with an empty name "([198.51.100.20])" below our own hops',
    firing: mail({ Received: RECEIVED('pc1 ([198.51.100.20])') }).replace(
      '\r\nFrom:',
      `\r\nReceived: ${RECEIVED('[127.0.0.1] (gw [127.0.0.1])')}\r\nFrom:`,
    ),
    silentOn: 'only a hop from a local gateway on 127.0.0.1 (not where the mail entered)',
    silent: mail({ Received: RECEIVED('[127.0.0.1] (runsc [127.0.0.1])') }),
  },
  {
    rule: REPLY_TO_DOMAIN_DIFFERS,
    fires: 'Reply-To in another domain',
    firing: mail({ 'Reply-To': 'orders@elsewhere.example' }),
    silentOn: 'Reply-To in a subdomain of the sender',
    silent: mail({ 'Reply-To': 'alice@lists.example.org' }),
  },
  {
    rule: REPLY_TO_FREEMAIL,
    fires: 'Reply-To at yahoo.com from a company sender',
    firing: mail({ 'Reply-To': 'claims2002@yahoo.com' }),
    silentOn: 'Reply-To at the same freemail domain as From',
    silent: mail({ From: 'me@yahoo.com', 'Reply-To': 'other@yahoo.com' }),
  },
  {
    rule: SUBJECT_ALL_CAPS,
    fires: 'FREE CASH FOR EVERYONE',
    firing: mail({ Subject: 'FREE CASH FOR EVERYONE' }),
    silentOn: 'a short acronym subject (RE: KDE)',
    silent: mail({ Subject: 'RE: KDE 3.0' }),
  },
  {
    rule: SUBJECT_EXCESS_PUNCTUATION,
    fires: '"Act now!!!"',
    firing: mail({ Subject: 'Act now!!!' }),
    silentOn: 'one exclamation mark',
    silent: mail({ Subject: 'It works!' }),
  },
  {
    rule: SUBJECT_FAKE_REPLY,
    fires: '"Re:" with no In-Reply-To or References',
    firing: mail({ Subject: 'Re: your order' }),
    silentOn: 'a real reply',
    silent: mail({ Subject: 'Re: lunch', 'In-Reply-To': '<1@example.com>' }),
  },
  {
    rule: SUBJECT_MISSING,
    fires: 'no Subject field',
    firing: mail({ Subject: null }),
    silentOn: 'a Subject',
    silent: mail(),
  },
  {
    rule: SUBJECT_RANDOM_SUFFIX,
    fires: 'a vowel-less tag after a long gap',
    firing: mail({ Subject: 'Lowest life insurance rates available!                   hsdpr' }),
    silentOn: 'an ordinary subject ending in a short word',
    silent: mail({ Subject: '[Razor-users] removing Razor1' }),
  },
  {
    rule: SUBJECT_RANDOM_SUFFIX,
    fires: 'a mixed-case code in parentheses',
    firing: mail({ Subject: 'Never pay for the goodz again (8SimUgQ)' }),
    silentOn: 'a version number at the end',
    silent: mail({ Subject: 'Released: version 2.4.19' }),
  },
  {
    rule: SUBJECT_SPAM_PHRASE,
    fires: '"Lowest mortgage rates"',
    firing: mail({ Subject: 'Refinance now: lowest rates guaranteed' }),
    silentOn: '"freedom" (a word containing "free")',
    silent: mail({ Subject: 'Software freedom day' }),
  },
  {
    rule: TO_EQUALS_FROM,
    fires: 'From the recipient to the recipient',
    firing: mail({ From: 'bob@example.com', To: 'bob@example.com' }),
    silentOn: 'From someone else',
    silent: mail(),
  },
  {
    rule: TO_UNDISCLOSED,
    fires: 'To: undisclosed-recipients:;',
    firing: mail({ To: 'undisclosed-recipients:;' }),
    silentOn: 'a named recipient',
    silent: mail(),
  },
];

describe('header rules', () => {
  for (const c of CASES) {
    describe(c.rule.id, () => {
      it(`fires on ${c.fires}`, () => expectCase(c, 'firing'));
      it(`stays silent on ${c.silentOn}`, () => expectCase(c, 'silent'));
    });
  }
});
