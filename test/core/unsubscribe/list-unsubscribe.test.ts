import { describe, expect, it } from 'vitest';
import { readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';
import {
  dkimSignatures,
  MAX_LIST_UNSUBSCRIBE_URIS,
  ONE_CLICK,
  parseListUnsubscribe,
  readListUnsubscribe,
  verifiedSignatureCoversListUnsubscribe,
} from '../../../functions/core/unsubscribe/list-unsubscribe.ts';

const oneClickPost = ['List-Unsubscribe=One-Click'];

describe('parseListUnsubscribe', () => {
  it('lists the bracketed URIs in the order the sender prefers them (RFC 2369)', () => {
    // Prepare
    const value = '<mailto:leave@lists.example.com?subject=unsubscribe>, <https://lists.example.com/u?id=42>';

    // Act
    const parsed = parseListUnsubscribe({
      listUnsubscribe: [value],
      listUnsubscribePost: [],
      dkimCoversListUnsubscribe: false,
    });

    // Assess
    expect(parsed.uris).toEqual([
      'mailto:leave@lists.example.com?subject=unsubscribe',
      'https://lists.example.com/u?id=42',
    ]);
    expect(parsed.oneClick).toBe(ONE_CLICK.NOT_OFFERED);
    expect(parsed.dropped).toBe(0);
  });

  it('tolerates comments, folding whitespace inside brackets and stray commas', () => {
    const parsed = parseListUnsubscribe({
      listUnsubscribe: [
        '(first choice (nested)) <https://example.com/un\r\n subscribe?a=1> ,, (mail) <mailto:u@example.com>',
      ],
      listUnsubscribePost: [],
      dkimCoversListUnsubscribe: false,
    });
    expect(parsed.uris).toEqual(['https://example.com/unsubscribe?a=1', 'mailto:u@example.com']);
  });

  it('skips unbracketed text, unterminated brackets and non-URIs, and counts what it skipped', () => {
    const parsed = parseListUnsubscribe({
      listUnsubscribe: [
        'https://bare.example.com/u, <not a uri>, <https://ok.example.com/u>, <https://cut.example.com',
      ],
      listUnsubscribePost: [],
      dkimCoversListUnsubscribe: false,
    });
    expect(parsed.uris).toEqual(['https://ok.example.com/u']);
    expect(parsed.dropped).toBe(3);
  });

  it('keeps at most ten URIs and refuses over-long ones', () => {
    const many = Array.from({ length: 25 }, (_, i) => `<https://example.com/${i}>`).join(', ');
    const long = `<https://example.com/${'a'.repeat(5000)}>`;
    const parsed = parseListUnsubscribe({
      listUnsubscribe: [`${long}, ${many}`],
      listUnsubscribePost: [],
      dkimCoversListUnsubscribe: false,
    });
    expect(parsed.uris).toHaveLength(MAX_LIST_UNSUBSCRIBE_URIS);
    expect(parsed.uris[0]).toBe('https://example.com/0');
    expect(parsed.dropped).toBe(16);
  });

  it('stays linear on a hostile header (unclosed comments, thousands of brackets)', () => {
    const hostile = `${'('.repeat(50_000)}${'<'.repeat(50_000)}${'<a:b>,'.repeat(20_000)}`;
    const started = performance.now();
    const parsed = parseListUnsubscribe({
      listUnsubscribe: [hostile, '<'.repeat(100_000)],
      listUnsubscribePost: oneClickPost,
      dkimCoversListUnsubscribe: true,
    });
    expect(parsed.uris.length).toBeLessThanOrEqual(MAX_LIST_UNSUBSCRIBE_URIS);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('one-click (RFC 8058)', () => {
  const base = {
    listUnsubscribe: ['<mailto:u@example.com>, <https://example.com/one-click?u=1>'],
    listUnsubscribePost: oneClickPost,
    dkimCoversListUnsubscribe: true,
  };

  it('is available with the exact POST value, an https URI and DKIM coverage, and uses the first https URI', () => {
    const parsed = parseListUnsubscribe(base);
    expect(parsed.oneClick).toBe(ONE_CLICK.AVAILABLE);
    expect(parsed.oneClickUri).toBe('https://example.com/one-click?u=1');
  });

  it('is not usable when the fields are not covered by a valid DKIM signature', () => {
    const parsed = parseListUnsubscribe({ ...base, dkimCoversListUnsubscribe: false });
    expect(parsed.oneClick).toBe(ONE_CLICK.NOT_DKIM_COVERED);
    expect(parsed.oneClickUri).toBeUndefined();
  });

  it('is not usable with only http or mailto URIs', () => {
    const parsed = parseListUnsubscribe({
      ...base,
      listUnsubscribe: ['<http://example.com/u>, <mailto:u@example.com>'],
    });
    expect(parsed.oneClick).toBe(ONE_CLICK.NO_HTTPS_URI);
  });

  it('is not usable with any other POST value or with repeated fields', () => {
    expect(parseListUnsubscribe({ ...base, listUnsubscribePost: ['List-Unsubscribe=Yes'] }).oneClick).toBe(
      ONE_CLICK.INVALID_POST_VALUE,
    );
    expect(
      parseListUnsubscribe({ ...base, listUnsubscribePost: [...oneClickPost, ...oneClickPost] }).oneClick,
    ).toBe(ONE_CLICK.INVALID_POST_VALUE);
    expect(
      parseListUnsubscribe({
        ...base,
        listUnsubscribe: [...base.listUnsubscribe, '<https://other.example/u>'],
      }).oneClick,
    ).toBe(ONE_CLICK.AMBIGUOUS_HEADERS);
  });

  it('reads both fields from a raw header block', () => {
    const raw = Buffer.from(
      'From: news@example.com\r\nList-Unsubscribe: <https://example.com/u/1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody',
    );
    const parsed = readListUnsubscribe(readHeaderBlock(raw), true);
    expect(parsed).toMatchObject({ uris: ['https://example.com/u/1'], oneClick: ONE_CLICK.AVAILABLE });
  });
});

describe('dkimSignatures', () => {
  it('reads each signature: domain, selector, b= and whether h= covers both fields, folded or not', () => {
    // Prepare
    const raw = Buffer.from(
      [
        'DKIM-Signature: v=1; a=rsa-sha256; d=esp.example.net; s=s1;',
        '\th=From:To:Subject:List-Unsubscribe:',
        '\t List-Unsubscribe-Post; bh=x; b=abcd',
        '\t efgh1234',
        'DKIM-Signature: v=1; d=Shop.Example.com; s=S2; h=from:list-unsubscribe; b=z',
        'List-Unsubscribe: <https://esp.example.net/u>',
        '',
        'body',
      ].join('\r\n'),
    );

    // Act
    const signatures = dkimSignatures(readHeaderBlock(raw));

    // Assess
    expect(signatures).toEqual([
      { domain: 'esp.example.net', selector: 's1', b: 'abcdefgh1234', coversListUnsubscribe: true },
      { domain: 'shop.example.com', selector: 's2', b: 'z', coversListUnsubscribe: false },
    ]);
  });
});

describe('verifiedSignatureCoversListUnsubscribe (RFC 8058 §4)', () => {
  const covering = {
    domain: 'news.example.com',
    selector: 's1',
    b: 'FORGEDFORGED',
    coversListUnsubscribe: true,
  };
  const real = {
    domain: 'news.example.com',
    selector: 's1',
    b: 'cD0MR9j8REAL',
    coversListUnsubscribe: false,
  };

  it('trusts a pass tied to a covering signature', () => {
    expect(
      verifiedSignatureCoversListUnsubscribe(
        [{ ...covering, b: 'cD0MR9j8REAL' }],
        [{ result: 'pass', domain: 'news.example.com', signature: 'cD0MR9j8' }],
        undefined,
      ),
    ).toBe(true);
    expect(
      verifiedSignatureCoversListUnsubscribe(
        [covering],
        [{ result: 'pass', domain: 'news.example.com', selector: 's1' }],
        undefined,
      ),
    ).toBe(true);
  });

  it('does not trust a pass that belongs to a signature leaving List-Unsubscribe out, beside a bogus covering one', () => {
    const both = [real, covering];
    // header.b says which signature passed: the real one, which does not cover the fields.
    expect(
      verifiedSignatureCoversListUnsubscribe(
        both,
        [
          { result: 'pass', domain: 'news.example.com', selector: 's1', signature: 'cD0MR9j8' },
          { result: 'neutral', domain: 'news.example.com', selector: 's1', signature: 'FORGEDFO' },
        ],
        undefined,
      ),
    ).toBe(false);
    // Without header.b the pass could be either's: not trusted.
    expect(
      verifiedSignatureCoversListUnsubscribe(
        both,
        [{ result: 'pass', domain: 'news.example.com', selector: 's1' }],
        undefined,
      ),
    ).toBe(false);
  });

  it("with only SES's verdict, which names no signature, trusts it only when every signature covers the fields", () => {
    expect(verifiedSignatureCoversListUnsubscribe([covering], undefined, 'PASS')).toBe(true);
    expect(verifiedSignatureCoversListUnsubscribe([real, covering], undefined, 'PASS')).toBe(false);
    expect(verifiedSignatureCoversListUnsubscribe([covering], undefined, 'FAIL')).toBe(false);
    expect(
      verifiedSignatureCoversListUnsubscribe(
        [real],
        [{ result: 'pass', domain: 'news.example.com' }],
        'PASS',
      ),
    ).toBe(false);
  });
});
