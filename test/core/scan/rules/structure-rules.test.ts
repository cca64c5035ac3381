import { describe, it } from 'vitest';
import { ATTACHMENT_EXECUTABLE } from '../../../../functions/core/scan/rules/structure/attachment-executable.ts';
import { BODY_EMPTY } from '../../../../functions/core/scan/rules/structure/body-empty.ts';
import { CHARSET_FAR_EAST } from '../../../../functions/core/scan/rules/structure/charset-far-east.ts';
import { CHARSET_UNDECODABLE } from '../../../../functions/core/scan/rules/structure/charset-undecodable.ts';
import { HTML_ACTIVE_CONTENT } from '../../../../functions/core/scan/rules/structure/html-active-content.ts';
import { HTML_FORM } from '../../../../functions/core/scan/rules/structure/html-form.ts';
import { HTML_HIDDEN_TEXT } from '../../../../functions/core/scan/rules/structure/html-hidden-text.ts';
import { HTML_IMAGE_ONLY } from '../../../../functions/core/scan/rules/structure/html-image-only.ts';
import { HTML_NO_TEXT } from '../../../../functions/core/scan/rules/structure/html-no-text.ts';
import { HTML_OBFUSCATION } from '../../../../functions/core/scan/rules/structure/html-obfuscation.ts';
import { HTML_ONLY } from '../../../../functions/core/scan/rules/structure/html-only.ts';
import { HTML_PASSWORD_FORM } from '../../../../functions/core/scan/rules/structure/html-password-form.ts';
import { MIME_ALTERNATIVE_MISMATCH } from '../../../../functions/core/scan/rules/structure/mime-alternative-mismatch.ts';
import { MIME_BASE64_TEXT } from '../../../../functions/core/scan/rules/structure/mime-base64-text.ts';
import { MIME_INVALID } from '../../../../functions/core/scan/rules/structure/mime-invalid.ts';
import { MIME_VERSION_MISSING } from '../../../../functions/core/scan/rules/structure/mime-version-missing.ts';
import { alternativeMail, expectCase, htmlMail, mail, PLAIN_BODY, type RuleCase } from './rule-harness.ts';

const LONG_HTML_TEXT = `<p>${'This is the full story of the offer, with every detail you need to decide. '.repeat(8)}</p>`;

const multipart = (boundary: string, parts: string, closing = true) =>
  mail(
    { 'Content-Type': `multipart/mixed; boundary="${boundary}"` },
    `--${boundary}\r\n${parts}\r\n${closing ? `--${boundary}--\r\n` : ''}`,
  );

const CASES: readonly RuleCase[] = [
  {
    rule: ATTACHMENT_EXECUTABLE,
    fires: 'an attached .scr',
    firing: multipart(
      'b1',
      'Content-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/octet-stream; name="photo.scr"\r\nContent-Disposition: attachment; filename="photo.scr"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA',
    ),
    silentOn: 'an attached PDF',
    silent: multipart(
      'b1',
      'Content-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/pdf; name="report.pdf"\r\nContent-Disposition: attachment; filename="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK',
    ),
  },
  {
    rule: BODY_EMPTY,
    fires: 'no body at all',
    firing: mail({}, ''),
    silentOn: 'a body',
    silent: mail(),
  },
  {
    rule: CHARSET_FAR_EAST,
    fires: 'a gb2312 text part',
    firing: mail({ 'Content-Type': 'text/plain; charset=gb2312' }, 'hello\n'),
    silentOn: 'a Latin-1 text part',
    silent: mail({ 'Content-Type': 'text/plain; charset=iso-8859-1' }, 'hello\n'),
  },
  {
    rule: CHARSET_UNDECODABLE,
    fires: 'bytes that are not UTF-8 in a UTF-8 part',
    firing: mail(
      { 'Content-Type': 'text/plain; charset=utf-8' },
      `${'\xff\xfe'.repeat(40)} and some words here\n`,
    ),
    silentOn: 'valid text',
    silent: mail(),
  },
  {
    rule: HTML_ACTIVE_CONTENT,
    fires: 'a script tag',
    firing: htmlMail('<html><body><script>document.write(1)</script><p>Hi</p></body></html>'),
    silentOn: 'plain HTML',
    silent: htmlMail('<html><body><p>Hi</p></body></html>'),
  },
  {
    rule: HTML_FORM,
    fires: 'a form',
    firing: htmlMail('<html><body><form action="http://x.example/"><input name="card"></form></body></html>'),
    silentOn: 'no form',
    silent: htmlMail('<html><body><p>formal</p></body></html>'),
  },
  {
    rule: HTML_PASSWORD_FORM,
    fires: 'a sign-in form with a password field inside the mail',
    firing: htmlMail(
      '<html><body><p>Your account is locked.</p><form action="http://paypal.com.secure-login.evil.example/"><input name="email"><INPUT TYPE = \'Password\' name="pw"></form></body></html>',
    ),
    silentOn: 'a form without a password field (a survey)',
    silent: htmlMail(
      '<html><body><form action="https://survey.example.org/"><input type="text" name="password-hint-question"><input type="radio" name="q1"></form></body></html>',
    ),
    evidence: '<input type = \'password\' name="pw">',
  },
  {
    rule: HTML_PASSWORD_FORM,
    fires: 'a password field in a form that comes after many other inputs',
    firing: htmlMail(
      `<html><body><form>${'<input type="hidden" name="x">'.repeat(50)}<input type=password></form></body></html>`,
    ),
    silentOn: 'a password field outside any form (nothing submits it)',
    silent: htmlMail('<html><body><p>Enter it below</p><input type="password"></body></html>'),
  },
  {
    rule: HTML_HIDDEN_TEXT,
    fires: 'white text on the page',
    firing: htmlMail('<html><body><font color="#ffffff">innocent words</font><p>Buy</p></body></html>'),
    silentOn: 'white text on a coloured button',
    silent: htmlMail(
      '<html><body bgcolor="#ffffff"><p>Hello</p><table><tr><td bgcolor="#1a73e8"><a href="https://example.org/" style="color:#fff;">View the comment</a></td></tr></table></body></html>',
    ),
  },
  {
    rule: HTML_IMAGE_ONLY,
    fires: 'an image and no text',
    firing: htmlMail(
      '<html><body><a href="http://x.example/"><img src="http://x.example/offer.gif"></a></body></html>',
    ),
    silentOn: 'an image with a real text',
    silent: htmlMail(`<html><body><img src="http://x.example/logo.gif">${LONG_HTML_TEXT}</body></html>`),
  },
  {
    rule: HTML_NO_TEXT,
    fires: 'empty HTML',
    firing: htmlMail('<html><body><table><tr><td></td></tr></table></body></html>'),
    silentOn: 'HTML with text',
    silent: htmlMail('<html><body><p>Hello there, how are you?</p></body></html>'),
  },
  {
    rule: HTML_OBFUSCATION,
    fires: 'comments between letters',
    firing: htmlMail(
      `<html><body>${'V<!-- a -->I<!-- b -->A<!-- c -->G<!-- d -->R<!-- e -->A '.repeat(3)}</body></html>`,
    ),
    silentOn: 'a few comments in a long text',
    silent: htmlMail(`<html><body><!-- header -->${LONG_HTML_TEXT}<!-- footer --></body></html>`),
  },
  {
    rule: HTML_ONLY,
    fires: 'text/html without text/plain',
    firing: htmlMail('<html><body><p>Hello</p></body></html>'),
    silentOn: 'multipart/alternative with a text part',
    silent: alternativeMail('Hello', '<html><body><p>Hello</p></body></html>'),
  },
  {
    rule: MIME_ALTERNATIVE_MISMATCH,
    fires: 'a stub text part beside a long HTML part',
    firing: alternativeMail('This is an HTML message.', `<html><body>${LONG_HTML_TEXT}</body></html>`),
    silentOn: 'alternatives of the same length',
    silent: alternativeMail(
      LONG_HTML_TEXT.replace(/<\/?p>/g, ''),
      `<html><body>${LONG_HTML_TEXT}</body></html>`,
    ),
  },
  {
    rule: MIME_BASE64_TEXT,
    fires: 'a base64 text part',
    firing: mail(
      { 'Content-Transfer-Encoding': 'base64' },
      `${Buffer.from('Buy cheap pills now').toString('base64')}\n`,
    ),
    silentOn: 'a base64 attachment',
    silent: multipart(
      'b2',
      'Content-Type: text/plain\r\n\r\nhello\r\n--b2\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK',
    ),
  },
  {
    rule: MIME_INVALID,
    fires: 'a multipart body without its closing boundary',
    firing: multipart('b3', 'Content-Type: text/plain\r\n\r\nhello', false),
    silentOn: 'the same message in a partial scan (the end was not read)',
    silent: multipart('b3', 'Content-Type: text/plain\r\n\r\nhello', false),
    silentExtra: { partial: true },
  },
  {
    rule: MIME_INVALID,
    fires: 'a multipart type without a boundary',
    firing: mail({ 'Content-Type': 'multipart/mixed' }, 'hello\n'),
    silentOn: 'well-formed multipart',
    silent: multipart('b4', 'Content-Type: text/plain\r\n\r\nhello'),
  },
  {
    rule: MIME_VERSION_MISSING,
    fires: 'HTML without MIME-Version',
    firing: htmlMail('<p>Hi</p>', { 'MIME-Version': null }),
    silentOn: 'plain text without MIME-Version (RFC 822 mail)',
    silent: mail({ 'MIME-Version': null, 'Content-Type': null }, PLAIN_BODY),
  },
];

describe('structure rules', () => {
  for (const c of CASES) {
    describe(c.rule.id, () => {
      it(`fires on ${c.fires}`, () => expectCase(c, 'firing'));
      it(`stays silent on ${c.silentOn}`, () => expectCase(c, 'silent'));
    });
  }
});
