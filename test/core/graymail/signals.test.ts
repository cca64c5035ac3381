import { describe, expect, it } from 'vitest';
import { GRAYMAIL_SIGNAL_INFO } from '../../../functions/core/graymail/classify-graymail.ts';
import { viewMessage } from '../../../functions/core/graymail/graymail-view.ts';
import { GRAYMAIL_SIGNALS } from '../../../functions/core/graymail/signals/index.ts';
import { parse } from '../../support/parsed.ts';

/** A message with the given header lines (From/Subject defaulted) and body. */
function mail(headers: string, body = 'Hello.\n'): string {
  const lines = headers.trim() === '' ? [] : headers.trim().split('\n');
  if (!lines.some((line) => /^from:/i.test(line))) lines.push('From: Ann Person <ann@example.org>');
  if (!lines.some((line) => /^subject:/i.test(line))) lines.push('Subject: A note');
  return `${lines.join('\n')}\n\n${body}`;
}

const html = (inner: string): string =>
  mail('Content-Type: text/html; charset=utf-8', `<html><body>${inner}</body></html>\n`);
const person = mail(
  'From: Ann Person <ann@example.org>\nSubject: Lunch on Friday?',
  'Are you free at noon?\n',
);

interface SignalCase {
  /** A message the signal fires on, and a fragment of the evidence it reports. */
  readonly fires: string;
  readonly evidence: string;
  /** A near miss it stays silent on. */
  readonly silent: string;
}

const CASES: Record<string, SignalCase> = {
  LIST_UNSUBSCRIBE: {
    fires: mail('List-Unsubscribe: <https://news.example.com/u?x=1>, <mailto:u@example.com>'),
    evidence: 'list-unsubscribe: <https://news.example.com/u',
    silent: mail('List-Unsubscribe: NO'),
  },
  LIST_UNSUBSCRIBE_ONE_CLICK: {
    fires: mail('List-Unsubscribe-Post: List-Unsubscribe=One-Click'),
    evidence: 'One-Click',
    silent: mail('List-Unsubscribe-Post: something-else'),
  },
  LIST_ID: {
    fires: mail('List-Id: Dev talk <dev.lists.example.org>'),
    evidence: 'list-id: Dev talk',
    silent: person,
  },
  PRECEDENCE_BULK: {
    fires: mail('Precedence: junk'),
    evidence: 'precedence: junk',
    silent: mail('Precedence: first-class'),
  },
  FEEDBACK_ID: {
    fires: mail('Feedback-ID: 42:spring-sale:shop:esp'),
    evidence: 'feedback-id: 42:spring-sale',
    // Amazon SES stamps this on every message it relays, person-to-person mail included.
    silent: mail('Feedback-ID: 1.us-east-1.AbCdEf0123456789+/=:AmazonSES'),
  },
  AUTO_SUBMITTED: {
    fires: mail('Auto-Submitted: auto-generated'),
    evidence: 'auto-generated',
    silent: mail('Auto-Submitted: no'),
  },
  MAILING_LIST_SOFTWARE: {
    fires: mail('X-Mailman-Version: 2.1.39'),
    evidence: 'x-mailman-version: 2.1.39',
    silent: mail('List-Post: NO (posting not allowed on this list)'),
  },
  LIST_BOUNCE_SENDER: {
    fires: mail('Sender: "dev" <dev-bounces@lists.example.org>'),
    evidence: 'dev-bounces@',
    silent: mail('Sender: Ann Assistant <assistant@example.org>'),
  },
  ESP_MARKETING_PLATFORM: {
    fires: mail('X-MC-User: 8c1f0e0a9b7d4e'),
    evidence: 'x-mc-user',
    silent: mail('X-Mailer: Apple Mail (2.3774)'),
  },
  ESP_SENDING_SERVICE: {
    fires: mail('Return-Path: <bounces+1123-8c1e-jo=example.com@em4412.sendgrid.net>'),
    evidence: 'sendgrid.net',
    silent: mail('Return-Path: <ann@example.org>'),
  },
  SES_BULK_SEND: {
    fires: mail('X-SES-Outgoing: 2025.03.13-23.251.234.10\nList-Unsubscribe: <https://example.com/u>'),
    evidence: 'x-ses-outgoing',
    // Every SES message carries X-SES-Outgoing, WorkMail person-to-person mail included.
    silent: mail('X-SES-Outgoing: 2025.03.13-23.251.234.10'),
  },
  BULK_MAILER: {
    fires: mail('X-Mailer: phplist v3.6.15'),
    evidence: 'phplist',
    silent: mail('X-Mailer: Microsoft Outlook 16.0'),
  },
  CAMPAIGN_HEADER: {
    fires: mail('X-Report-Abuse: Please report abuse here: https://esp.example.net/abuse'),
    evidence: 'x-report-abuse',
    silent: person,
  },
  HIDDEN_RECIPIENTS: {
    fires: mail('To: undisclosed-recipients:;'),
    evidence: 'undisclosed-recipients',
    silent: mail('To: Bob <bob@example.com>'),
  },
  NOREPLY_SENDER: {
    fires: mail('From: Shop <do-not-reply@shop.example>'),
    evidence: 'do-not-reply@shop.example',
    silent: mail('From: Noreen Ply <noreen.ply@example.org>'),
  },
  NOTIFICATION_SENDER: {
    fires: mail('From: App <notifications@app.example>'),
    evidence: 'notifications@app.example',
    silent: mail('From: Nora Tification <nora@app.example>'),
  },
  MARKETING_SENDER: {
    fires: mail('From: Shop <deals@shop.example>'),
    evidence: 'deals@shop.example',
    silent: mail('From: Dealia Smith <dealia@shop.example>'),
  },
  NEWSLETTER_SENDER: {
    fires: mail('From: Club <newsletter@club.example>'),
    evidence: 'newsletter@club.example',
    silent: mail('From: Newton <newton@club.example>'),
  },
  ROLE_SENDER: {
    fires: mail('From: Bakery <info@bakery.example>'),
    evidence: 'info@bakery.example',
    silent: mail('From: Ingrid Fo <ingrid.fo@bakery.example>'),
  },
  SOCIAL_SENDER_DOMAIN: {
    fires: mail('From: Instagram <no-reply@mail.instagram.com>'),
    evidence: 'mail.instagram.com',
    // A lookalike is not the network.
    silent: mail('From: Instagram <no-reply@instagram.com.example.net>'),
  },
  SOCIAL_PLATFORM_HEADER: {
    fires: mail('X-LinkedIn-Class: INVITE-GUEST'),
    evidence: 'x-linkedin-class',
    silent: person,
  },
  SOCIAL_NOTIFICATION_PHRASE: {
    fires: mail('Subject: Maria Lopez commented on your post.'),
    evidence: 'commented on',
    silent: mail('Subject: Comments on the draft'),
  },
  PROMO_SUBJECT: {
    fires: mail('Subject: Spring sale: 25% off everything'),
    evidence: '25% off',
    silent: mail('Subject: Minutes of the board meeting'),
  },
  PROMO_BODY: {
    fires: mail('', 'Shop now and use code SPRING at checkout.\n'),
    evidence: 'shop now',
    // One promotional phrase alone is ordinary language.
    silent: mail('', 'I will buy now-ish, maybe tomorrow.\n'),
  },
  VIEW_IN_BROWSER: {
    fires: html('<a href="https://example.com/v">View this email in your browser</a>'),
    evidence: 'view this email in your browser',
    silent: mail('', 'Can you view the file in your editor?\n'),
  },
  BODY_UNSUBSCRIBE: {
    fires: mail('', 'To stop receiving these emails, click below.\n'),
    evidence: 'to stop receiving',
    silent: person,
  },
  NEWSLETTER_SUBJECT: {
    fires: mail('Subject: The Quiet Reader - Issue 87'),
    evidence: 'issue 8',
    silent: mail('Subject: An issue with the printer'),
  },
  NEWSLETTER_BODY: {
    fires: mail('', 'In this issue: five books for long train rides.\n'),
    evidence: 'in this issue',
    silent: mail('', 'This issue is blocking the release.\n'),
  },
  TRACKING_PIXEL: {
    fires: html('<p>Hi</p><img src="https://t.example/o.gif" width="1" height="1" alt="">'),
    evidence: 'o.gif',
    silent: html('<img src="https://example.com/logo.png" width="120" height="40">'),
  },
  IMAGE_HEAVY: {
    fires: html('<img src="a.jpg"><img src="b.jpg"><img src="c.jpg"><img src="d.jpg"><img src="e.jpg">'),
    evidence: '5 images',
    silent: html('<img src="a.jpg"><img src="b.jpg"><p>Two photos from the trip.</p>'),
  },
  LINK_HEAVY: {
    fires: html('<a href="https://example.com/x">x</a> '.repeat(12)),
    evidence: '12 links',
    silent: html('<a href="https://example.com/x">x</a> '.repeat(3)),
  },
  TRANSACTIONAL_SUBJECT: {
    fires: mail('Subject: Your order #BL-20931 is confirmed'),
    evidence: 'order #',
    silent: mail('Subject: Order now and save 20%'),
  },
  TRANSACTIONAL_BODY: {
    fires: mail('', 'Tracking number: 1Z999AA10123456784\n'),
    evidence: 'tracking number',
    silent: mail('', 'Track down the numbers for Friday, please.\n'),
  },
  TRANSACTIONAL_SENDER: {
    fires: mail('From: Shop <orders@shop.example>'),
    evidence: 'orders@shop.example',
    silent: mail('From: Orla Ders <orla@shop.example>'),
  },
  CALENDAR_INVITATION: {
    fires: mail(
      'Content-Type: multipart/mixed; boundary="b"',
      '--b\nContent-Type: text/plain\n\nInvite\n--b\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nMETHOD:REQUEST\nEND:VCALENDAR\n--b--\n',
    ),
    evidence: 'calendar',
    silent: mail('Subject: Calendar for next week', 'Shall we pick a date?\n'),
  },
  DELIVERY_REPORT: {
    fires: mail('From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\nSubject: Undelivered Mail'),
    evidence: 'mailer-daemon@mx.example.com',
    silent: person,
  },
  AUTO_REPLY: {
    fires: mail('Auto-Submitted: auto-replied\nSubject: Re: Budget'),
    evidence: 'auto-replied',
    silent: mail('Auto-Submitted: auto-generated'),
  },
  CONVERSATION_REPLY: {
    fires: mail('Subject: Re: Lunch on Friday?\nIn-Reply-To: <a1@example.org>'),
    evidence: 're: lunch on friday?',
    // A "Re:" without threading headers is how some campaigns fake familiarity.
    silent: mail('Subject: Re: your exclusive offer'),
  },
  FORWARDED_MESSAGE: {
    fires: mail(
      '',
      'Worth a look?\n\n---------- Forwarded message ---------\nFrom: Shop <deals@shop.example>\n',
    ),
    evidence: 'forwarded message',
    silent: mail('Subject: Forward planning for Q3'),
  },
};

describe('graymail signals', () => {
  it('are described, uniquely named in UPPER_SNAKE and weighted with finite numbers', () => {
    const ids = GRAYMAIL_SIGNAL_INFO.map((signal) => signal.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const signal of GRAYMAIL_SIGNAL_INFO) {
      expect(signal.id).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(signal.description.length).toBeGreaterThan(10);
      expect(Object.values(signal.weights).every((w) => Number.isFinite(w))).toBe(true);
    }
  });

  it('each have a firing and a silent case here', () => {
    expect(Object.keys(CASES).sort()).toEqual(GRAYMAIL_SIGNALS.map((signal) => signal.id).sort());
  });

  for (const signal of GRAYMAIL_SIGNALS) {
    describe(signal.id, () => {
      const testCase = CASES[signal.id];
      it.runIf(testCase !== undefined)('fires, with the matched text as evidence', async () => {
        const found = signal.detect(viewMessage(await parse(testCase?.fires ?? ''), 65_536));
        expect(found?.toLowerCase()).toContain(testCase?.evidence.toLowerCase());
      });
      it.runIf(testCase !== undefined)('stays silent on a near miss', async () => {
        expect(signal.detect(viewMessage(await parse(testCase?.silent ?? ''), 65_536))).toBeNull();
      });
    });
  }
});
