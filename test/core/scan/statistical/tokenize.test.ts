import { describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../../../functions/core/mime/parse-message.ts';
import { readHeaderBlock } from '../../../../functions/core/mime/raw-message.ts';
import {
  DEFAULT_TOKENIZER_LIMITS,
  tokenizeMessage,
  tokenPart,
} from '../../../../functions/core/scan/statistical/tokenize.ts';
import { parse } from '../../../support/parsed.ts';

const MB = 1024 * 1024;

/** A parsed message built directly (no MIME parser), so hostile sizes cost only the tokenizer. */
function message(parts: Partial<ParsedMessage> & { rawHeader?: string } = {}): ParsedMessage {
  const { rawHeader, ...rest } = parts;
  return {
    header: readHeaderBlock(Buffer.from(rawHeader ?? 'From: a@example.org\r\n\r\n', 'latin1')),
    messageId: undefined,
    subject: '',
    from: { address: 'a@example.org', name: '' },
    to: [],
    cc: [],
    replyTo: [],
    date: undefined,
    text: '',
    html: '',
    attachments: [],
    size: 100,
    ...rest,
  };
}

describe('tokenizeMessage', () => {
  it('names where each token came from: subject, sender, body words and pairs, links', async () => {
    // Prepare
    const parsed = await parse(
      'From: "Shop" <news@mail.shop.example>\nSubject: Big SALE today\nContent-Type: text/html\n\n' +
        '<p>Visit <a href="https://www.shop.example/deals?id=1">our shop</a> for great deals</p>\n',
    );
    // Act
    const tokens = tokenizeMessage(parsed);
    // Assess
    expect(tokens).toEqual(
      expect.arrayContaining([
        'subject:big',
        'subject:sale',
        'subject:caps:sale',
        'from:domain:mail.shop.example',
        'from:domain:shop.example',
        'from:name:shop',
        'visit',
        'great deals',
        'html:tag:a',
        'url:scheme:https',
        'url:shop.example',
        'url:path:deals',
        'align:url-from',
        'mime:html-only',
      ]),
    );
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('reads how the HTML is dressed: tag attributes, and style declarations one by one', async () => {
    // Prepare
    const parsed = await parse(
      'From: a@example.org\nSubject: offer\nContent-Type: text/html\n\n' +
        '<table width=600 align="center"><tr><td bgcolor=\'#FFFF00\'>' +
        '<font face="Arial, Helvetica" size=+2 color=#ff0000>BUY</font>' +
        '<p style="color: white; font-size:1px">hidden</p>' +
        '<a href="http://shop.example/x" title="a very long title that is not kept">go</a></td></tr></table>\n',
    );
    // Act
    const tokens = tokenizeMessage(parsed);
    // Assess
    expect(tokens).toEqual(
      expect.arrayContaining([
        'html:attr:table:width=600',
        'html:attr:table:align=center',
        'html:attr:td:bgcolor=#ffff00',
        'html:attr:font:face=arial, helvetica',
        'html:attr:font:size=+2',
        'html:attr:font:color=#ff0000',
        'html:style:color:white',
        'html:style:font-size:1px',
        'html:attr:a:href',
        'html:attr:a:title',
      ]),
    );
    expect(tokens.join(' ')).not.toContain('shop.example/x');
  });

  it('puts each token in the header part or the content part, by its prefix alone', () => {
    for (const token of [
      'from:domain:example.org',
      'header:no:date',
      'header-name:x-mailer',
      'mailer:outlook',
    ]) {
      expect(tokenPart(token)).toBe('header');
    }
    for (const token of [
      'subject:free',
      'free',
      'click here',
      'url:ip',
      'html:tag:font',
      'align:url-from',
      're:foo',
    ]) {
      expect(tokenPart(token)).toBe('content');
    }
  });

  it('leaves out the receiving side: top Received fields and delivery headers are not tokens', async () => {
    const parsed = await parse(
      'Received: from mx.receiver.example by inbound.receiver.example\nReceived: from a\nReceived: from b\n' +
        'Delivered-To: user@receiver.example\nX-Spam-Status: No\nFrom: a@example.org\nSubject: hi\n\nhello\n',
    );
    const tokens = tokenizeMessage(parsed).join(' ');
    expect(tokens).not.toContain('receiver');
    expect(tokens).not.toContain('delivered-to');
    expect(tokens).not.toContain('x-spam');
  });

  it('stays bounded on 5 MB of one repeated character, in text and in HTML', () => {
    const flood = 'a'.repeat(5 * MB);
    const spaced = 'ab '.repeat((5 * MB) / 3);
    for (const input of [
      message({ text: flood }),
      message({ html: flood }),
      message({ text: spaced }),
      message({ subject: spaced }),
      message({ html: '<'.repeat(5 * MB) }),
      message({ html: '&'.repeat(5 * MB) }),
      message({ html: `<a href="${'x'.repeat(5 * MB)}` }),
      message({ html: `<font ${'a=b '.repeat(MB)}>` }),
      message({ html: `<p style="${'x:y;'.repeat(MB)}">` }),
      message({ html: `<td ${"x='".repeat(MB)}>`.repeat(3) }),
    ]) {
      const tokens = tokenizeMessage(input);
      expect(tokens.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER_LIMITS.maxTokens);
      expect(tokens.every((t) => t.length < 200)).toBe(true);
    }
  });

  it('caps the number of distinct tokens however many distinct words the message holds', () => {
    const words = Array.from({ length: 50_000 }, (_, i) => `w${i.toString(36)}x`).join(' ');
    const tokens = tokenizeMessage(message({ text: words }), { ...DEFAULT_TOKENIZER_LIMITS, maxTokens: 500 });
    expect(tokens).toHaveLength(500);
  });

  it('reads deeply nested and unclosed HTML without recursion or blow-up', () => {
    const nested = `${'<div><span>'.repeat(200_000)}deep text${'</span></div>'.repeat(200_000)}`;
    const unclosed = `<a href="${'"'.repeat(10_000)}${'<b '.repeat(100_000)}`;
    const comments = '<!--'.repeat(500_000);
    for (const html of [nested, unclosed, comments]) {
      const tokens = tokenizeMessage(message({ html }));
      expect(tokens.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER_LIMITS.maxTokens);
    }
    expect(tokenizeMessage(message({ html: nested }))).toContain('html:tag:div');
  });

  it('cuts a huge header value before looking at it', () => {
    const rawHeader = `From: a@example.org\r\nSubject: =?${'?'.repeat(MB)}\r\nX-Mailer: ${'z'.repeat(2 * MB)}\r\nContent-Type: ${'text/html;'.repeat(100_000)}\r\nMessage-ID: <${'$'.repeat(MB)}@${'>'.repeat(MB)}\r\n\r\n`;
    const tokens = tokenizeMessage(
      message({
        rawHeader,
        from: { address: `${'x'.repeat(MB)}@${'y.'.repeat(MB / 2)}example`, name: 'n'.repeat(MB) },
      }),
    );
    expect(tokens.length).toBeLessThanOrEqual(DEFAULT_TOKENIZER_LIMITS.maxTokens);
    expect(tokens.every((t) => t.length < 200)).toBe(true);
  });
});
