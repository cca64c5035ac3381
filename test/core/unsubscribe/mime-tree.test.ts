import { describe, expect, it } from 'vitest';
import { parseMediaType, walkMime } from '../../../functions/core/unsubscribe/mime-tree.ts';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');

describe('walkMime', () => {
  it('lists the leaves of nested multiparts with exact body offsets', () => {
    // Prepare
    const raw = crlf(
      [
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        'preamble',
        '--outer',
        'Content-Type: multipart/alternative; boundary=inner',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        'plain body',
        '--inner',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>html body</p>',
        '--inner--',
        '--outer',
        'Content-Type: application/pdf; name="a.pdf"',
        'Content-Disposition: attachment; filename="a.pdf"',
        '',
        'JVBERi0=',
        '--outer--',
        'epilogue',
      ].join('\n'),
    );

    // Act
    const walk = walkMime(raw);

    // Assess
    expect(walk.ok).toBe(true);
    if (!walk.ok) return;
    const leaves = walk.leaves.map((leaf) => ({
      type: `${leaf.mediaType.type}/${leaf.mediaType.subtype}`,
      body: raw.subarray(leaf.bodyStart, leaf.bodyEnd).toString(),
      attachment: leaf.attachment,
      boundaries: leaf.boundaries,
    }));
    expect(leaves).toEqual([
      { type: 'text/plain', body: 'plain body', attachment: false, boundaries: ['outer', 'inner'] },
      { type: 'text/html', body: '<p>html body</p>', attachment: false, boundaries: ['outer', 'inner'] },
      { type: 'application/pdf', body: 'JVBERi0=', attachment: true, boundaries: ['outer'] },
    ]);
  });

  it('does not take a longer line that starts with the boundary for a delimiter', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--bb is text\n--b--\n');
    const walk = walkMime(raw);
    expect(walk.ok && walk.leaves.map((l) => raw.subarray(l.bodyStart, l.bodyEnd).toString())).toEqual([
      '--bb is text',
    ]);
  });

  it('runs the last part to the end when the closing delimiter is missing', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>cut');
    const walk = walkMime(raw);
    expect(walk.ok && raw.subarray(walk.leaves[0]?.bodyStart, walk.leaves[0]?.bodyEnd).toString()).toBe(
      '<p>cut',
    );
  });

  it.each([
    ['multipart/signed; protocol="application/pkcs7-signature"; boundary=s'],
    ['multipart/encrypted; protocol="application/pgp-encrypted"; boundary=s'],
    ['application/pkcs7-mime; smime-type=enveloped-data'],
    ['application/x-pkcs7-mime; smime-type=signed-data'],
  ])('refuses a message that is or contains %s', (type) => {
    const top = walkMime(crlf(`Content-Type: ${type}\n\nxx`));
    expect(top).toMatchObject({ ok: false, problem: 'PROTECTED' });
    const nested = walkMime(
      crlf(
        `Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: text/plain\n\nhi\n--o\nContent-Type: ${type}\n\nxx\n--o--\n`,
      ),
    );
    expect(nested).toMatchObject({ ok: false, problem: 'PROTECTED' });
  });

  it('refuses trees deeper or larger than the limits', () => {
    let raw = 'leaf';
    for (let depth = 0; depth < 20; depth++) {
      raw = `Content-Type: multipart/mixed; boundary=b${depth}\n\n--b${depth}\n${raw}\n--b${depth}--\n`;
    }
    expect(walkMime(crlf(raw))).toMatchObject({ ok: false, problem: 'TOO_COMPLEX' });
    const wide = `Content-Type: multipart/mixed; boundary=w\n\n${'--w\n\nx\n'.repeat(1000)}--w--\n`;
    expect(walkMime(crlf(wide))).toMatchObject({ ok: false, problem: 'TOO_COMPLEX' });
  });
});

describe('parseMediaType', () => {
  it('reads quoted values, comments and RFC 2231 continuations', () => {
    const type = parseMediaType(
      'Multipart/Alternative (comment); boundary*0="abc"; boundary*1=def; charset*=utf-8\'en\'%55TF-8; x="a\\"b"',
    );
    expect(type?.type).toBe('multipart');
    expect(type?.subtype).toBe('alternative');
    expect(Object.fromEntries(type?.params ?? [])).toEqual({
      boundary: 'abcdef',
      charset: 'UTF-8',
      x: 'a"b',
    });
  });

  it('gives up on a value without type/subtype', () => {
    expect(parseMediaType('text')).toBeUndefined();
    expect(parseMediaType('')).toBeUndefined();
  });
});

describe('parseMediaType regressions', () => {
  it('gets past an unmatched ")" (found by the rewriter property test: it used to loop forever)', () => {
    expect(parseMediaType(') text/html; charset=utf-8')?.subtype).toBe('html');
    expect(parseMediaType('text/html; charset=utf-8)))')?.params.get('charset')).toBe('utf-8');
  });
});
