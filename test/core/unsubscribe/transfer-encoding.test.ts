import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCharset,
  encodeCharset,
  readCharset,
  toCharsetSafeHtml,
  toCharsetSafeText,
} from '../../../functions/core/unsubscribe/charset.ts';
import {
  decodeBase64,
  decodeQuotedPrintable,
  encodeBase64,
  encodeQuotedPrintable,
  readTransferEncoding,
} from '../../../functions/core/unsubscribe/transfer-encoding.ts';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('quoted-printable (RFC 2045 §6.7)', () => {
  it('decodes escapes and soft line breaks, and drops transport padding', () => {
    const encoded = latin1('Caf=C3=A9 =\r\nau lait=20 \r\nnext line  \r\nsoft with padding=  \r\nend=3d=');
    expect(decodeQuotedPrintable(encoded).toString('utf8')).toBe(
      'Café au lait \r\nnext line\r\nsoft with paddingend=',
    );
  });

  it('keeps an = that starts no escape, as written', () => {
    expect(decodeQuotedPrintable(latin1('a=ZZb =\tc')).toString('latin1')).toBe('a=ZZb =\tc');
  });

  it('writes lines of at most 76 characters and never a trailing space', () => {
    const text = Buffer.from(`${'word '.repeat(40)}\r\n${'é'.repeat(60)} \r\n=${'x'.repeat(200)}`, 'utf8');
    const encoded = encodeQuotedPrintable(text, '\r\n');
    for (const line of encoded.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).not.toMatch(/[ \t]$/);
    }
    expect(decodeQuotedPrintable(latin1(encoded))).toEqual(text);
  });

  it('never writes a line that could be read as a boundary, end of data or mbox separator', () => {
    const text = latin1('--boundary\n.\nFrom me\nx');
    const encoded = encodeQuotedPrintable(text, '\n');
    expect(encoded).toBe('=2D-boundary\n=2E\n=46rom me\nx');
    expect(decodeQuotedPrintable(latin1(encoded))).toEqual(text);
  });

  it('round-trips any bytes (property), with content line breaks as CRLF', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        // Bare CR and bare LF in text are written as line breaks: normalise them first.
        const content = Buffer.from(
          Buffer.from(bytes).toString('latin1').replace(/\r?\n/g, '\r\n'),
          'latin1',
        );
        const encoded = encodeQuotedPrintable(content, '\r\n');
        expect(encoded).toMatch(/^[\t\x20-\x7e\r\n]*$/);
        for (const line of encoded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
        expect(decodeQuotedPrintable(latin1(encoded))).toEqual(content);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('base64 (RFC 2045 §6.8)', () => {
  it('writes 76-character lines and reads through line breaks and junk', () => {
    const bytes = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
    const encoded = encodeBase64(bytes, '\r\n');
    expect(encoded.split('\r\n').map((l) => l.length)).toEqual([76, 76, 76, 40]);
    expect(decodeBase64(latin1(`${encoded}\r\n!!`))).toEqual(bytes);
  });
});

describe('readTransferEncoding', () => {
  it('reads the five encodings case-insensitively, defaults to 7bit, and refuses others', () => {
    expect(readTransferEncoding(undefined)).toBe('7bit');
    expect(readTransferEncoding(' Quoted-Printable (comment)')).toBe('quoted-printable');
    expect(readTransferEncoding('BASE64')).toBe('base64');
    expect(readTransferEncoding('x-uuencode')).toBeUndefined();
  });
});

describe('charsets', () => {
  it('round-trips every byte of windows-1252 and iso-8859-1', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const charset of ['windows-1252', 'iso-8859-1'] as const) {
      const text = decodeCharset(all, charset) as string;
      expect(encodeCharset(text, charset)).toEqual(all);
    }
    expect(decodeCharset(latin1('\x80\x93\x96'), 'windows-1252')).toBe('€“–');
  });

  it('refuses bytes that are not valid in the declared charset', () => {
    expect(decodeCharset(Buffer.from([0xc3, 0x28]), 'utf-8')).toBeUndefined();
    expect(decodeCharset(Buffer.from([0x41, 0xe9]), 'us-ascii')).toBeUndefined();
  });

  it('keeps a UTF-8 byte order mark', () => {
    const bytes = Buffer.from('\ufeffhello', 'utf8');
    expect(encodeCharset(decodeCharset(bytes, 'utf-8') as string, 'utf-8')).toEqual(bytes);
  });

  it('knows the common labels and no others', () => {
    expect(readCharset('UTF8')).toBe('utf-8');
    expect(readCharset('Latin1')).toBe('iso-8859-1');
    expect(readCharset('cp1252')).toBe('windows-1252');
    expect(readCharset('iso-2022-jp')).toBeUndefined();
  });

  it('writes what a charset lacks as character references in HTML, and without accents in text', () => {
    expect(toCharsetSafeHtml('Désinscription → ok', 'us-ascii')).toBe('D&#233;sinscription &#8594; ok');
    expect(toCharsetSafeHtml('€ → ok', 'windows-1252')).toBe('€ &#8594; ok');
    expect(toCharsetSafeText('Désinscription → ok', 'us-ascii')).toBe('Desinscription ? ok');
  });
});
