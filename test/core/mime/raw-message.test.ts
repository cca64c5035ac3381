import { describe, expect, it } from 'vitest';
import {
  formatHeaderField,
  headerValues,
  normalizeBareCr,
  prependHeaderFields,
  prependToSubject,
  readHeaderBlock,
  replaceHeaderField,
} from '../../../functions/core/mime/raw-message.ts';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');

describe('readHeaderBlock', () => {
  it('unfolds continuation lines and keeps field order, duplicates and offsets', () => {
    const raw = crlf('Received: from a\n by b\nReceived: from c\nSubject: Hello\n  world\n\nbody\n');
    const block = readHeaderBlock(raw);
    expect(block.fields.map((f) => [f.name, f.value])).toEqual([
      ['Received', 'from a\r\n by b'.replace('\r\n', '')],
      ['Received', 'from c'],
      ['Subject', 'Hello  world'],
    ]);
    expect(block.eol).toBe('\r\n');
    expect(raw.subarray(block.bodyStart).toString()).toBe('body\r\n');
    expect(headerValues(block, 'RECEIVED')).toEqual(['from a by b', 'from c']);
  });

  it('handles bare-LF mail, mail without a body and mail without headers', () => {
    expect(readHeaderBlock(Buffer.from('Subject: x\n\nbody')).eol).toBe('\n');
    expect(readHeaderBlock(Buffer.from('Subject: only')).fields).toHaveLength(1);
    const headless = readHeaderBlock(Buffer.from('\r\nbody'));
    expect(headless.fields).toHaveLength(0);
    expect(headless.bodyStart).toBe(2);
  });

  it('skips a line that is not a header field and reads on to the blank line, as mailparser does', () => {
    // Stopping there would hide X-Advertisement and the Subject from the rules, while the
    // recipient's mail program shows them (and tagging would add a second Subject).
    const raw = Buffer.from(
      'From: a@example.org\r\nGARBAGE LINE WITHOUT COLON\r\n\tand its continuation\r\nX-Advertisement: spam\r\n=\r\nSubject: x\r\n\r\nbody: text\r\n',
    );
    const block = readHeaderBlock(raw);
    expect(block.fields.map((f) => f.key)).toEqual(['from', 'x-advertisement', 'subject']);
    expect(raw.subarray(block.bodyStart).toString()).toBe('body: text\r\n');
    expect(prependToSubject(raw, '[TAG] ').toString()).toContain('\r\nSubject: [TAG] x\r\n');
    // A leading continuation line belongs to no field either.
    expect(readHeaderBlock(Buffer.from(' ; dkim=pass\r\nFrom: a@example.org\r\n\r\n')).fields).toHaveLength(
      1,
    );
  });

  it('keeps non-ASCII header bytes intact (RFC 6532 UTF-8 headers)', () => {
    const raw = Buffer.from('Subject: Grüße\r\n\r\nx', 'utf8');
    const tagged = prependToSubject(raw, '[TAG] ');
    expect(tagged.toString('utf8')).toBe('Subject: [TAG] Grüße\r\n\r\nx');
  });

  it('reads only the header block of a large message', () => {
    const raw = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(20 * 1024 * 1024, 0x61)]);
    const started = performance.now();
    const block = readHeaderBlock(raw);
    expect(block.fields).toHaveLength(1);
    // Not a timing assertion of the product: a guard that the body is never decoded here.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('prependToSubject', () => {
  it('puts the tag in front of the subject exactly as given, whitespace kept', () => {
    const raw = crlf('From: a@b\nSubject: Lunch?\n\nhi\n');
    expect(prependToSubject(raw, '[SUSPECTED SPAM] ').toString()).toBe(
      crlf('From: a@b\nSubject: [SUSPECTED SPAM] Lunch?\n\nhi\n').toString(),
    );
    expect(prependToSubject(raw, '  [X]  ').toString()).toContain('Subject:   [X]  Lunch?');
  });

  it('keeps an RFC 2047 encoded subject decodable and folded lines intact', () => {
    const raw = crlf('Subject: =?utf-8?B?w4TDpA==?=\n =?utf-8?B?w7w=?=\n\nx');
    expect(prependToSubject(raw, '[TAG] ').toString()).toBe(
      crlf('Subject: [TAG] =?utf-8?B?w4TDpA==?=\n =?utf-8?B?w7w=?=\n\nx').toString(),
    );
  });

  it('adds a Subject when the message has none, and refuses tags with line breaks', () => {
    expect(prependToSubject(crlf('From: a@b\n\nx'), '[TAG] ').toString()).toBe(
      crlf('From: a@b\nSubject: [TAG]\n\nx').toString(),
    );
    expect(() => prependToSubject(crlf('Subject: x\n\n'), 'a\r\nBcc: victim@example.com')).toThrow(
      /line breaks/,
    );
  });
});

describe('prependHeaderFields and formatHeaderField', () => {
  it('adds fields on top using the message line ending, body untouched', () => {
    const raw = Buffer.from('Subject: x\n\nbody\n');
    expect(prependHeaderFields(raw, [['X-A', '1']]).toString()).toBe('X-A: 1\nSubject: x\n\nbody\n');
  });

  it('goes after continuation lines a malformed message opens with, so they do not fold into ours', () => {
    const raw = Buffer.from('\t orphan line\r\n more\r\nSubject: x\r\n\r\nbody\r\n');
    const out = prependHeaderFields(raw, [['X-A', '1']]).toString();
    expect(out).toBe('\t orphan line\r\n more\r\nX-A: 1\r\nSubject: x\r\n\r\nbody\r\n');
  });

  it('folds long values at spaces under 78 characters and refuses injection', () => {
    const folded = formatHeaderField(
      'X-Graywall-Result',
      Array.from({ length: 30 }, (_, i) => `WORD${i}`).join(' '),
    );
    for (const line of folded.split('\r\n').filter(Boolean)) expect(line.length).toBeLessThanOrEqual(78);
    expect(folded.replace(/\r\n /g, ' ')).toContain('WORD0 WORD1');
    expect(() => formatHeaderField('X-A', 'ok\nX-Injected: 1')).toThrow();
    expect(() => formatHeaderField('Bad Name', 'x')).toThrow(/invalid header field name/);
    // Written as latin1, U+010A would be a line feed (its low byte): refused like one.
    expect(() => formatHeaderField('X-A', 'ok\u010aX-Injected: 1')).toThrow(/above U\+00FF/);
    expect(() => prependHeaderFields(Buffer.from('S: x\r\n\r\n'), [['X-A', '\u{1F600}']])).toThrow(
      /above U\+00FF/,
    );
    // Latin-1 text (bytes a message arrived with, read as latin1) still goes through as it was.
    expect(formatHeaderField('X-A', 'caf\u00e9')).toBe('X-A: caf\u00e9\r\n');
  });
});

describe('replaceHeaderField', () => {
  it('replaces every copy with one field in the place of the first, or removes them', () => {
    const raw = crlf('DKIM-Signature: a\nFrom: x@y\nDKIM-Signature: b\n  folded\n\nbody');
    expect(replaceHeaderField(raw, 'dkim-signature', undefined).toString()).toBe(
      crlf('From: x@y\n\nbody').toString(),
    );
    expect(replaceHeaderField(raw, 'From', 'z@y').toString()).toBe(
      crlf('DKIM-Signature: a\nFrom: z@y\nDKIM-Signature: b\n  folded\n\nbody').toString(),
    );
    expect(replaceHeaderField(crlf('A: 1\n\nb'), 'Reply-To', 'r@y').toString()).toBe(
      crlf('A: 1\nReply-To: r@y\n\nb').toString(),
    );
  });
});

describe('normalizeBareCr', () => {
  it('makes each bare CR a CRLF, and leaves CRLF and bare LF alone', () => {
    const raw = Buffer.from('Subject: x\rX-Advertisement: spam\r\rbody\r\nline\nend\r');
    expect(normalizeBareCr(raw).toString()).toBe(
      'Subject: x\r\nX-Advertisement: spam\r\n\r\nbody\r\nline\nend\r\n',
    );
    expect(readHeaderBlock(normalizeBareCr(raw)).fields.map((f) => f.key)).toEqual([
      'subject',
      'x-advertisement',
    ]);
  });

  it('returns the same buffer when there is no bare CR', () => {
    const crlfOnly = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    expect(normalizeBareCr(crlfOnly)).toBe(crlfOnly);
    const lfOnly = Buffer.from('Subject: x\n\nbody\n');
    expect(normalizeBareCr(lfOnly)).toBe(lfOnly);
  });
});
