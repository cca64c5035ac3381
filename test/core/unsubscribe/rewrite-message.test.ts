import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../functions/core/mime/parse-message.ts';
import { headerValues, readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';
import { renderUnsubscribeBanner } from '../../../functions/core/unsubscribe/banner.ts';
import { walkMime } from '../../../functions/core/unsubscribe/mime-tree.ts';
import {
  PART_OUTCOME,
  REWRITE_REFUSAL,
  rewriteForSafeUnsubscribe,
  type SafeUnsubscribeEdit,
} from '../../../functions/core/unsubscribe/rewrite-message.ts';

const OUR_URL = 'https://unsubscribe.graywall.example.org/u/k1.AQAAAAA.abc';
const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');

const banner = renderUnsubscribeBanner({ url: OUR_URL, organisation: 'Example Corp IT' });
const edit: SafeUnsubscribeEdit = {
  banner,
  listUnsubscribeUrl: OUR_URL,
  replaceLink: () => OUR_URL,
};

const headers = [
  'Return-Path: <bounce@esp.example.net>',
  'DKIM-Signature: v=1; a=rsa-sha256; d=shop.example.com; s=s1;',
  ' h=from:to:subject:list-unsubscribe:list-unsubscribe-post; b=AAAA',
  'From: Shop <news@shop.example.com>',
  'To: alice@example.org',
  'Subject: Spring sale',
  'List-Unsubscribe: <mailto:unsub@shop.example.com>,',
  ' <https://esp.example.net/u/abc?l=1>',
  'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
  'MIME-Version: 1.0',
].join('\n');

function bodyOf(raw: Buffer, subtype: 'html' | 'plain'): Buffer {
  const walk = walkMime(raw);
  if (!walk.ok) throw new Error('not walkable');
  const leaf = walk.leaves.find((l) => l.mediaType.subtype === subtype && !l.attachment);
  if (!leaf) throw new Error(`no ${subtype}`);
  return raw.subarray(leaf.bodyStart, leaf.bodyEnd);
}

describe('rewriteForSafeUnsubscribe on a single-part quoted-printable HTML message', () => {
  const raw = crlf(
    `${headers}
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><title>Sale</title></head><body style=3D"margin:0">
<p>Caf=C3=A9 deals all week long, with a line long enough to need a soft line =
break when it is encoded again.</p>
<p><a href=3D"https://shop.example.com/sale">Shop now</a></p>
<p><a href=3D"https://esp.example.net/u/abc?l=3D1">Click to stop these</a></p>
</body></html>
`,
  );

  it('puts the banner right after <body> and points the List-Unsubscribe link at us', async () => {
    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const parsed = await parseMessage(result.raw);

    // Assess
    expect(result).toMatchObject({ modified: true, html: PART_OUTCOME.MODIFIED, text: PART_OUTCOME.ABSENT });
    expect(parsed.html).toContain(`<body style="margin:0">${banner.html}`);
    expect(parsed.html).toContain('Café deals all week long');
    expect(parsed.html).toContain('<a href="https://shop.example.com/sale">Shop now</a>');
    expect(parsed.html).toContain(`<a href="${OUR_URL}">Click to stop these</a>`);
    expect(parsed.html).not.toContain('esp.example.net/u/abc');
    expect(result.rewrittenLinks).toEqual(['https://esp.example.net/u/abc?l=1']);
  });

  it('replaces List-Unsubscribe with our URL, drops List-Unsubscribe-Post, keeps other header bytes', () => {
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const block = readHeaderBlock(result.raw);
    expect(headerValues(block, 'list-unsubscribe')).toEqual([`<${OUR_URL}>`]);
    expect(headerValues(block, 'list-unsubscribe-post')).toEqual([]);
    const before = raw.subarray(0, raw.indexOf('List-Unsubscribe:')).toString('latin1');
    expect(result.raw.subarray(0, before.length).toString('latin1')).toBe(before);
    const original = readHeaderBlock(raw);
    const untouched = original.fields.filter((f) => !f.key.startsWith('list-unsubscribe'));
    for (const field of untouched) {
      expect(result.raw.includes(raw.subarray(field.start, field.end))).toBe(true);
    }
  });

  it('re-encodes as quoted-printable with lines of at most 76 characters', () => {
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const body = bodyOf(result.raw, 'html').toString('latin1');
    for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(body).toMatch(/^[\t\x20-\x7e\r\n]*$/);
  });
});

describe('rewriteForSafeUnsubscribe on a base64 HTML message', () => {
  it('decodes, edits and writes base64 again in 76-character lines', async () => {
    // Prepare
    const html = `<!DOCTYPE html><html><body><p>${'Grüße '.repeat(40)}</p><a href="https://esp.example.net/unsubscribe/9">x</a></body></html>`;
    const encoded = Buffer.from(html, 'utf8').toString('base64').replace(/.{76}/g, '$&\n');
    const raw = crlf(
      `${headers}\nContent-Type: text/html; charset="UTF-8"\nContent-Transfer-Encoding: base64\n\n${encoded}\n`,
    );

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);

    // Assess
    const lines = bodyOf(result.raw, 'html').toString('latin1').split('\r\n').filter(Boolean);
    expect(lines.slice(0, -1).every((line) => line.length === 76)).toBe(true);
    const parsed = await parseMessage(result.raw);
    expect(parsed.html).toContain(`<body>${banner.html}<p>Grüße`);
    expect(parsed.html).toContain(`<a href="${OUR_URL}">x</a>`);
  });
});

describe('rewriteForSafeUnsubscribe on multipart messages', () => {
  const alternative = crlf(
    `${headers}
Content-Type: multipart/alternative; boundary="alt-1"

This is a multi-part message in MIME format.
--alt-1
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

Spring sale!
Unsubscribe: https://esp.example.net/u/abc?l=1
--alt-1
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

<html><body><p>Gr\u00fc\u00dfe</p><a href="https://esp.example.net/u/abc?l=1">Unsubscribe</a></body></html>
--alt-1--
epilogue bytes
`,
  );

  it('edits both alternatives and keeps preamble, boundaries and epilogue', async () => {
    // Act
    const result = rewriteForSafeUnsubscribe(alternative, edit);
    const parsed = await parseMessage(result.raw);

    // Assess
    expect(result).toMatchObject({ html: PART_OUTCOME.MODIFIED, text: PART_OUTCOME.MODIFIED });
    expect(parsed.text.startsWith(`[Example Corp IT] `)).toBe(true);
    expect(parsed.text).toContain(`Unsubscribe: ${OUR_URL}`);
    expect(parsed.text).not.toContain('esp.example.net');
    expect(parsed.html).toContain(`<body>${banner.html}<p>Grüße</p>`);
    const text = result.raw.toString('latin1');
    expect(text).toContain('\r\n\r\nThis is a multi-part message in MIME format.\r\n--alt-1\r\n');
    expect(text.endsWith('\r\n--alt-1--\r\nepilogue bytes\r\n')).toBe(true);
    // iso-8859-1 stays iso-8859-1, byte for byte where we did not write.
    expect(result.raw.includes(Buffer.from('<p>Gr\u00fc\u00dfe</p>', 'latin1'))).toBe(true);
  });

  it('leaves an attachment byte for byte, and every byte outside the edited part', () => {
    // Prepare
    const attachment = [
      '--mix',
      'Content-Type: text/plain; name="notes.txt"',
      'Content-Disposition: attachment; filename="notes.txt"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Unsubscribe: https://esp.example.net/u/abc?l=3D1  (an attachment, not the body)',
      '--mix',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256))
        .toString('base64')
        .replace(/.{76}/g, '$&\n'),
      '--mix--',
      '',
    ].join('\n');
    const raw = crlf(
      `${headers}\nContent-Type: multipart/mixed; boundary=mix\n\n--mix\nContent-Type: text/html; charset=utf-8\n\n<body><a href="https://esp.example.net/u/abc?l=1">unsubscribe</a></body>\n${attachment}`,
    );
    const htmlBody = bodyOf(raw, 'html');
    const htmlStart = htmlBody.byteOffset - raw.byteOffset;
    const htmlEnd = htmlStart + htmlBody.byteLength;

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);

    // Assess
    const tail = raw.subarray(htmlEnd);
    expect(result.raw.subarray(result.raw.length - tail.length).equals(tail)).toBe(true);
    const head = raw.subarray(raw.indexOf('MIME-Version'), htmlStart);
    expect(result.raw.includes(head)).toBe(true);
    expect(result.text).toBe(PART_OUTCOME.ABSENT);
  });

  it('finds the HTML inside multipart/related inside multipart/alternative and leaves the image alone', async () => {
    // Prepare
    const image = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
    const raw = crlf(
      `${headers}
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: multipart/alternative; boundary="a"

--a
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello =E2=80=94 see the sale.
--a
Content-Type: multipart/related; boundary="r"; type="text/html"

--r
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><img src=3D"cid:logo"><a href=3D"https://x.example.com/opt-out">Opt out</a></body></html>
--r
Content-Type: image/png
Content-ID: <logo>
Content-Transfer-Encoding: base64

${image}
--r--
--a--
--m--
`,
    );

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const parsed = await parseMessage(result.raw);

    // Assess
    expect(result).toMatchObject({ html: PART_OUTCOME.MODIFIED, text: PART_OUTCOME.MODIFIED });
    expect(parsed.html).toContain(`<body>${banner.html}<img src="cid:logo">`);
    expect(parsed.html).toContain(`<a href="${OUR_URL}">Opt out</a>`);
    expect(parsed.text).toContain('Hello — see the sale.');
    expect(
      result.raw.includes(crlf(`Content-Transfer-Encoding: base64\n\n${image}\n--r--\n--a--\n--m--\n`)),
    ).toBe(true);
  });
});

describe('signed and encrypted mail is never modified', () => {
  it.each([
    [
      'S/MIME detached signature',
      `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"

--sig
Content-Type: text/html; charset=utf-8

<html><body><a href="https://esp.example.net/u/abc?l=1">Unsubscribe</a></body></html>
--sig
Content-Type: application/pkcs7-signature; name=smime.p7s
Content-Disposition: attachment; filename=smime.p7s

MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIE
--sig--
`,
    ],
    [
      'S/MIME opaque signed-data',
      'Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQE=\n',
    ],
    [
      'PGP/MIME encrypted',
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=e\n\n--e\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n--e\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n--e--\n',
    ],
    [
      'inline PGP cleartext signature',
      'Content-Type: text/plain; charset=us-ascii\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nUnsubscribe: https://esp.example.net/u/abc?l=1\n-----BEGIN PGP SIGNATURE-----\n',
    ],
  ])('%s stays byte for byte, header fields included', (_name, body) => {
    // Prepare
    const raw = crlf(`${headers}\n${body}`);

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);

    // Assess
    expect(result.modified).toBe(false);
    expect(result.refusal?.code).toBe(REWRITE_REFUSAL.SIGNED_OR_ENCRYPTED);
    expect(result.raw.equals(raw)).toBe(true);
  });
});

describe('parts we cannot edit exactly are left alone', () => {
  it('edits HTML in a single-byte charset such as windows-1251, byte for byte where it did not write', async () => {
    // Prepare
    const html = Buffer.concat([
      Buffer.from('<html><body><p>', 'latin1'),
      Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]),
      Buffer.from(
        '</p><a href="https://esp.example.net/u/abc?l=1">Unsubscribe</a></body></html>\r\n',
        'latin1',
      ),
    ]);
    const raw = Buffer.concat([
      crlf(`${headers}\nContent-Type: text/html; charset=windows-1251\nContent-Transfer-Encoding: 8bit\n\n`),
      html,
    ]);

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const parsed = await parseMessage(result.raw);

    // Assess
    expect(result.html).toBe(PART_OUTCOME.MODIFIED);
    expect(parsed.html).toContain('<p>Привет</p>');
    expect(parsed.html).not.toContain('esp.example.net');
    expect(result.raw.includes(Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]))).toBe(true);
  });

  it("replaces the sender's links in every inline HTML part, with the banner in the first only", async () => {
    // Prepare: Apple Mail style, the HTML split around an inline image.
    const raw = crlf(
      `${headers}\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/html; charset=utf-8\n\n<body><p>Top</p></body>\n--m\nContent-Type: image/png\nContent-Disposition: inline\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--m\nContent-Type: text/html; charset=utf-8\n\n<body><a href="https://esp.example.net/u/abc?l=1">Unsubscribe</a></body>\n--m\nContent-Type: text/html; charset=utf-8\n\n<body><p>No link here</p></body>\n--m--\n`,
    );

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const text = result.raw.toString('latin1');

    // Assess
    expect(result.html).toBe(PART_OUTCOME.MODIFIED);
    expect(text).not.toContain('https://esp.example.net/u/abc');
    // The banner's line breaks are written in the part's own line ending (CRLF here).
    expect(text.split(banner.html.replace(/\n/g, '\r\n')).length - 1).toBe(1);
    expect(result.rewrittenLinks).toEqual(['https://esp.example.net/u/abc?l=1']);
    // A part with neither the banner nor a link keeps its bytes.
    expect(text).toContain('\r\n\r\n<body><p>No link here</p></body>\r\n--m--');
  });

  it("points a sender's unsubscribe form at our page, as a GET (the page asks before acting)", () => {
    // Prepare
    const raw = crlf(
      `${headers}\nContent-Type: text/html; charset=utf-8\n\n<body><form action="https://esp.example.net/unsubscribe" method="POST"><input type="hidden" name="u" value="1"><button>Unsubscribe</button></form><form action="https://shop.example.net/search"><input name="q"></form></body>\n`,
    );

    // Act
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const text = result.raw.toString('latin1');

    // Assess
    expect(text).toContain(`<form action="${OUR_URL}" method="get">`);
    expect(text).not.toContain('esp.example.net/unsubscribe');
    // Any other form is left alone.
    expect(text).toContain('<form action="https://shop.example.net/search">');
    expect(result.rewrittenLinks).toContain('https://esp.example.net/unsubscribe');
  });

  it('reports a charset we do not round-trip and still replaces the header', () => {
    const raw = crlf(
      `${headers}\nContent-Type: text/html; charset=iso-2022-jp\n\n<body>\x1b$B$3$s$K$A$O\x1b(B</body>\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, edit);
    expect(result.html).toBe(PART_OUTCOME.UNSUPPORTED_CHARSET);
    expect(result.raw.subarray(result.raw.length - 30).equals(raw.subarray(raw.length - 30))).toBe(true);
    expect(headerValues(readHeaderBlock(result.raw), 'list-unsubscribe')).toEqual([`<${OUR_URL}>`]);
  });

  it('reports bytes that are not valid in the declared charset', () => {
    const raw = Buffer.concat([
      crlf(`${headers}\nContent-Type: text/plain; charset=utf-8\n\n`),
      Buffer.from([0xc3, 0x28]),
    ]);
    expect(rewriteForSafeUnsubscribe(raw, edit).text).toBe(PART_OUTCOME.UNDECODABLE);
  });

  it('turns a 7bit part into quoted-printable when the banner is not ASCII', async () => {
    const frenchBanner = renderUnsubscribeBanner({
      url: OUR_URL,
      organisation: 'Société',
      buttonLabel: 'Se désabonner',
    });
    const raw = crlf(
      `${headers}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\nHello\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, { ...edit, banner: frenchBanner });
    expect(headerValues(readHeaderBlock(result.raw), 'content-transfer-encoding')).toEqual([
      'quoted-printable',
    ]);
    expect((await parseMessage(result.raw)).text).toContain('[Société]');
  });

  it('writes what a us-ascii part cannot hold as character references (HTML) or plain letters (text)', async () => {
    const frenchBanner = renderUnsubscribeBanner({ url: OUR_URL, organisation: 'Société' });
    const raw = crlf(
      `${headers}\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nHi\n--b\nContent-Type: text/html; charset=us-ascii\n\n<body>Hi</body>\n--b--\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, { ...edit, banner: frenchBanner });
    const parsed = await parseMessage(result.raw);
    expect(bodyOf(result.raw, 'html').toString('latin1')).toContain('Soci&#233;t&#233;');
    expect(parsed.text).toContain('[Societe]');
  });
});

describe('hostile HTML', () => {
  it('finds the real <body> past comments and scripts that mention one', async () => {
    const html =
      '<html><head><!-- <body> --><script>var s = "<body onload=x()>";</script></head>' +
      '<body class="real"><p>Hi</p></body></html>';
    const raw = crlf(`${headers}\nContent-Type: text/html; charset=utf-8\n\n${html}\n`);
    const result = rewriteForSafeUnsubscribe(raw, edit);
    expect((await parseMessage(result.raw)).html).toContain(`<body class="real">${banner.html}<p>Hi</p>`);
  });

  it('does not put the banner into a <template>, whose content is never shown', async () => {
    const html =
      '<html><head><template><body><p>never shown</p></body></template></head>' +
      '<body class="real"><p>Hi</p></body></html>';
    const raw = crlf(`${headers}\nContent-Type: text/html; charset=utf-8\n\n${html}\n`);
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const out = (await parseMessage(result.raw)).html;
    expect(out).toContain(`<body class="real">${banner.html}<p>Hi</p>`);
    expect(out.split(banner.html)).toHaveLength(2);
  });

  it("points a look-alike of our banner's button at us, whatever the configured label says", async () => {
    // A sender that has seen our banner lays a copy of it over the real one (position:absolute)
    // with its own link behind the button; "Stop these mails" names no unsubscribe keyword.
    const ours = renderUnsubscribeBanner({
      url: OUR_URL,
      organisation: 'Example Corp IT',
      buttonLabel: 'Stop these mails',
    });
    const html =
      '<body><div style="position:absolute;top:0"><b>Example Corp IT:</b> ' +
      '<a href="https://tracker.example.net/confirm?u=alice">Stop  these\n mails</a></div>' +
      '<p><a href="https://shop.example.com/stop">Stop the music</a></p></body>';
    const raw = crlf(`${headers}\nContent-Type: text/html; charset=utf-8\n\n${html}\n`);

    const result = rewriteForSafeUnsubscribe(raw, { ...edit, banner: ours });
    const out = (await parseMessage(result.raw)).html;

    expect(out).not.toContain('tracker.example.net');
    expect(out).toContain('<a href="https://shop.example.com/stop">Stop the music</a>');
    expect(result.rewrittenLinks).toEqual(['https://tracker.example.net/confirm?u=alice']);
    // With the default label the same anchor is a link like any other.
    expect(rewriteForSafeUnsubscribe(raw, edit).rewrittenLinks).toEqual([]);
  });

  it("replaces a sender's unsubscribe link inside SVG, written as xlink:href", async () => {
    const html =
      '<body><svg><a xlink:href="https://esp.example.net/u/abc?l=1"><text>Unsubscribe</text></a></svg></body>';
    const raw = crlf(`${headers}\nContent-Type: text/html; charset=utf-8\n\n${html}\n`);
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const out = (await parseMessage(result.raw)).html;
    expect(out).not.toContain('esp.example.net/u/abc');
    expect(out).toContain(`<a href="${OUR_URL}"><text>Unsubscribe</text></a>`);
  });

  it('escapes what it writes into HTML: the replacement URL and the banner text', async () => {
    const nasty = renderUnsubscribeBanner({
      url: `${OUR_URL}?a="><script>`,
      organisation: '<img src=x onerror=alert(1)>',
    });
    const raw = crlf(
      `${headers}\nContent-Type: text/html; charset=utf-8\n\n<body><a href=https://esp.example.net/u/abc?l=1>Unsubscribe</a></body>\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, {
      ...edit,
      banner: nasty,
      replaceLink: () => `${OUR_URL}?x="onmouseover=alert(1)`,
    });
    const html = (await parseMessage(result.raw)).html;
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(
      'href="https://unsubscribe.graywall.example.org/u/k1.AQAAAAA.abc?x=&#34;onmouseover=alert(1)"',
    );
  });

  it('ignores replacements that are not http(s) URLs', async () => {
    const raw = crlf(
      `${headers}\nContent-Type: text/html; charset=utf-8\n\n<body><a href="https://esp.example.net/u/abc?l=1">Unsubscribe</a></body>\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, { ...edit, replaceLink: () => 'javascript:alert(1)' });
    expect((await parseMessage(result.raw)).html).toContain('href="https://esp.example.net/u/abc?l=1"');
    expect(result.rewrittenLinks).toEqual([]);
  });

  it('stays linear on unclosed tags, huge attributes and many anchors', () => {
    const html = [
      '<body>',
      `<div title="${'x'.repeat(1_000_000)}">`,
      '<a href="https://esp.example.net/unsubscribe">'.repeat(20_000),
      '<p <p <p'.repeat(50_000),
      '<!--'.repeat(10_000),
    ].join('');
    const raw = crlf(
      `${headers}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${html}\n`,
    );
    const started = performance.now();
    const result = rewriteForSafeUnsubscribe(raw, edit);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result.html).toBe(PART_OUTCOME.MODIFIED);
  });

  it('refuses a structure deeper than the limits, unchanged', () => {
    let body = 'Content-Type: text/html\n\n<body>x</body>';
    for (let depth = 0; depth < 30; depth++) {
      body = `Content-Type: multipart/mixed; boundary=d${depth}\n\n--d${depth}\n${body}\n--d${depth}--`;
    }
    const raw = crlf(`${headers}\n${body}\n`);
    const result = rewriteForSafeUnsubscribe(raw, edit);
    expect(result.refusal?.code).toBe(REWRITE_REFUSAL.MIME_TOO_COMPLEX);
    expect(result.raw.equals(raw)).toBe(true);
  });
});

describe('other shapes', () => {
  it('inserts after </head> when there is no <body>, and after a doctype when there is no head', async () => {
    const withHead = crlf(
      `${headers}\nContent-Type: text/html\n\n<html><head><title>t</title></head><p>x</p></html>\n`,
    );
    expect((await parseMessage(rewriteForSafeUnsubscribe(withHead, edit).raw)).html).toContain(
      `</head>${banner.html}<p>x</p>`,
    );
    const bare = crlf(`${headers}\nContent-Type: text/html\n\n<!DOCTYPE html>\n<p>x</p>\n`);
    expect((await parseMessage(rewriteForSafeUnsubscribe(bare, edit).raw)).html).toContain(
      `<!DOCTYPE html>${banner.html}`,
    );
  });

  it('handles bare-LF mail and an mbox From line', () => {
    const raw = Buffer.from(
      `From news@shop.example.com Thu Aug 22 12:36:23 2002\nSubject: x\nList-Unsubscribe: <https://esp.example.net/u/1>\nContent-Type: text/plain\n\nHello\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, edit);
    const text = result.raw.toString('latin1');
    expect(text.startsWith('From news@shop.example.com Thu Aug 22 12:36:23 2002\nSubject: x\n')).toBe(true);
    expect(text).toContain(`List-Unsubscribe: <${OUR_URL}>\n`);
    expect(text).toContain(`\n\n${banner.text}\n\nHello\n`);
    expect(text).not.toContain('\r');
  });

  it('refuses a List-Unsubscribe URL of ours that could break the header', () => {
    expect(() =>
      rewriteForSafeUnsubscribe(crlf('Subject: x\n\nx'), {
        ...edit,
        listUnsubscribeUrl: 'https://a/\r\nBcc: x',
      }),
    ).toThrow(RangeError);
  });
});

describe('plain text that starts with an unsubscribe link', () => {
  it('gets both the banner and the rewritten link', () => {
    const raw = crlf(`${headers}\nContent-Type: text/plain\n\nhttps://esp.example.net/u/abc?l=1\nbye\n`);
    const result = rewriteForSafeUnsubscribe(raw, edit);
    expect(result.raw.toString('latin1')).toContain(
      `\r\n\r\n${banner.text.replace(/\n/g, '\r\n')}\r\n\r\n${OUR_URL}\r\nbye\r\n`,
    );
  });
});

describe('a header that cannot be read', () => {
  it('is refused and left byte for byte: a field added on top would swallow a leading continuation line', () => {
    const raw = crlf(
      `\t\\Return-Path: <bounce@esp.example.net>\n${headers}\nContent-Type: text/plain\n\nhttps://esp.example.net/u/abc?l=1\n`,
    );
    const result = rewriteForSafeUnsubscribe(raw, edit);
    expect(result.refusal).toEqual({
      code: 'MALFORMED_HEADER',
      detail: 'the header opens with a continuation line',
    });
    expect(result.raw.equals(raw)).toBe(true);
    const none = crlf('not a header\n\nbody\n');
    expect(rewriteForSafeUnsubscribe(none, edit).refusal).toEqual({
      code: 'MALFORMED_HEADER',
      detail: 'no header field could be read',
    });
  });
});

describe('rewriteForSafeUnsubscribe on arbitrary input (property)', () => {
  const sample = crlf(
    `${headers}\nContent-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nUnsubscribe: https://esp.example.net/u/abc?l=3D1\n--b\nContent-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: base64\n\nPGJvZHk+PGEgaHJlZj0iaHR0cHM6Ly9lc3AuZXhhbXBsZS5uZXQvdS9hYmM/bD0xIj51bnN1YnNjcmliZTwvYT48L2JvZHk+\n--b--\n`,
  );

  it('never throws on mangled mail, and a refused message comes back byte for byte', () => {
    const mangled = fc
      .array(
        fc.tuple(
          fc.nat({ max: sample.length }),
          fc.nat({ max: 40 }),
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 40 }),
            fc.constantFrom(
              '--b',
              '\r\n--b--\r\n',
              'Content-Type: multipart/signed; boundary=b\r\n',
              '<body',
              '=\r\n',
              '=ZZ',
            ),
          ),
        ),
        { maxLength: 6 },
      )
      .map((edits) => {
        let text = sample.toString('latin1');
        for (const [at, cut, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + cut);
        return Buffer.from(text, 'latin1');
      });
    fc.assert(
      fc.property(mangled, (raw) => {
        const result = rewriteForSafeUnsubscribe(raw, edit);
        if (result.refusal) expect(result.raw.equals(raw)).toBe(true);
        else expect(headerValues(readHeaderBlock(result.raw), 'list-unsubscribe')).toContain(`<${OUR_URL}>`);
      }),
      { numRuns: 500 },
    );
  });
});
