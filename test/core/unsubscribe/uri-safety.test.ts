import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REFUSAL } from '../../../functions/core/unsubscribe/refusal.ts';
import {
  checkRedirect,
  checkUnsubscribeUri,
  type UriCheck,
  type WebTarget,
} from '../../../functions/core/unsubscribe/uri-safety.ts';

const refusalOf = (check: UriCheck): string | undefined => (check.ok ? undefined : check.refusal.code);

describe('checkUnsubscribeUri accepts ordinary unsubscribe links', () => {
  it('takes https and http links to public domains, normalised and without the fragment', () => {
    // Act
    const check = checkUnsubscribeUri('HTTPS://Lists.Example.COM/unsubscribe?u=1&l=2#top');

    // Assess
    expect(check).toEqual({
      ok: true,
      target: {
        kind: 'web',
        scheme: 'https',
        href: 'https://lists.example.com/unsubscribe?u=1&l=2',
        host: 'lists.example.com',
        port: 443,
      },
    });
    expect(checkUnsubscribeUri('http://example.co.uk:8080/u').ok).toBe(true);
  });

  it('takes internationalised domains written in one script (or CJK with Latin)', () => {
    expect(checkUnsubscribeUri('https://münchen.example.de/u')).toMatchObject({
      ok: true,
      target: { host: 'xn--mnchen-3ya.example.de' },
    });
    expect(checkUnsubscribeUri('https://пример.рф/u').ok).toBe(true);
    expect(checkUnsubscribeUri('https://例え.jp/u').ok).toBe(true);
    expect(checkUnsubscribeUri('https://shop例え.jp/u').ok).toBe(true);
  });

  it('takes a mailto link with one recipient and keeps only subject and body', () => {
    const check = checkUnsubscribeUri(
      'mailto:leave%2Blist@Example.COM?subject=unsubscribe%20me&body=bye&x-junk=1',
    );
    expect(check).toEqual({
      ok: true,
      target: {
        kind: 'mailto',
        href: 'mailto:leave%2Blist@Example.COM?subject=unsubscribe%20me&body=bye&x-junk=1',
        to: 'leave+list@example.com',
        subject: 'unsubscribe me',
        body: 'bye',
      },
    });
  });
});

describe('checkUnsubscribeUri refuses', () => {
  it.each([
    ['javascript:alert(1)', REFUSAL.SCHEME_NOT_ALLOWED],
    ['data:text/html,<script>', REFUSAL.SCHEME_NOT_ALLOWED],
    ['file:///etc/passwd', REFUSAL.SCHEME_NOT_ALLOWED],
    ['ftp://example.com/u', REFUSAL.SCHEME_NOT_ALLOWED],
    ['gopher://example.com:25/', REFUSAL.SCHEME_NOT_ALLOWED],
    ['//example.com/u', REFUSAL.SCHEME_NOT_ALLOWED],
  ])('other schemes: %s', (uri, code) => {
    expect(refusalOf(checkUnsubscribeUri(uri))).toBe(code);
  });

  it.each([
    ['https://paypal.com@evil.example/u'],
    ['https://user:pass@example.com/u'],
    ['https://@example.com/u'],
    ['http://example.com:80@10.0.0.1/'],
  ])('user info in the authority: %s', (uri) => {
    expect(refusalOf(checkUnsubscribeUri(uri))).toBe(REFUSAL.USERINFO_IN_URI);
  });

  it.each([
    ['http://93.184.215.14/u', REFUSAL.IP_LITERAL_HOST],
    ['http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/u', REFUSAL.IP_LITERAL_HOST],
    ['http://127.0.0.1/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://2130706433/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://0x7f.1/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://0177.0.0.1/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://127.1/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://[::1]/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://[::ffff:127.0.0.1]/', REFUSAL.LOOPBACK_ADDRESS],
    ['http://169.254.169.254/latest/meta-data/', REFUSAL.METADATA_ADDRESS],
    ['http://0xa9fea9fe/', REFUSAL.METADATA_ADDRESS],
    ['http://[fd00:ec2::254]/', REFUSAL.METADATA_ADDRESS],
    ['http://10.0.0.5/', REFUSAL.PRIVATE_ADDRESS],
    ['http://192.168.1.1:8080/', REFUSAL.PRIVATE_ADDRESS],
    ['http://0.0.0.0/', REFUSAL.UNSPECIFIED_ADDRESS],
  ])('IP literal hosts in every spelling: %s', (uri, code) => {
    expect(refusalOf(checkUnsubscribeUri(uri))).toBe(code);
  });

  it.each([
    ['http://mailserver/u', REFUSAL.SINGLE_LABEL_HOST],
    ['http://intranet/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://mailhost./u', REFUSAL.SINGLE_LABEL_HOST],
    ['http://localhost/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://app.localhost/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://db.internal/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://printer.local/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://router.home.arpa/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://unsub.example.test/u', REFUSAL.LOCAL_HOST_NAME],
    ['http://exa_mple.com/u', REFUSAL.INVALID_HOST_NAME],
    ['http://-bad-.com/u', REFUSAL.INVALID_HOST_NAME],
  ])('names that are not public domains: %s', (uri, code) => {
    expect(refusalOf(checkUnsubscribeUri(uri))).toBe(code);
  });

  it.each([
    ['https://xn--80ak6aa92e.com/', REFUSAL.CONFUSABLE_HOST], // "аррӏе", all Cyrillic
    ['https://аррӏе.com/', REFUSAL.CONFUSABLE_HOST],
    ['https://xn--mxapclk.com/', REFUSAL.CONFUSABLE_HOST], // "νοκια", all Greek
    ['https://xn--pple-43d.com/', REFUSAL.MIXED_SCRIPT_HOST], // "аpple", Cyrillic а + Latin
    ['https://pаypal.com/', REFUSAL.MIXED_SCRIPT_HOST],
    ['https://xn--ls8h.la/', REFUSAL.INVALID_HOST_NAME], // an emoji label
    ['https://xn--zz.com/', REFUSAL.INVALID_HOST_NAME], // Punycode that does not decode
  ])('punycode lookalikes: %s', (uri, code) => {
    expect(refusalOf(checkUnsubscribeUri(uri))).toBe(code);
  });

  it('hosts on the blocklist, and their subdomains, in any spelling', () => {
    const options = { blockedHosts: ['tracker.example', '*.spam.example.net', 'BÜCHER.example.org'] };
    expect(refusalOf(checkUnsubscribeUri('https://tracker.example.com/u', options))).toBeUndefined();
    expect(refusalOf(checkUnsubscribeUri('https://x.spam.example.net/u', options))).toBe(
      REFUSAL.BLOCKLISTED_HOST,
    );
    expect(refusalOf(checkUnsubscribeUri('https://spam.example.net./u', options))).toBe(
      REFUSAL.BLOCKLISTED_HOST,
    );
    expect(refusalOf(checkUnsubscribeUri('https://a.b.xn--bcher-kva.example.org/u', options))).toBe(
      REFUSAL.BLOCKLISTED_HOST,
    );
    expect(refusalOf(checkUnsubscribeUri('mailto:u@spam.example.net', options))).toBe(
      REFUSAL.BLOCKLISTED_HOST,
    );
  });

  it('unusual ports, control characters, backslashes and missing slashes', () => {
    expect(refusalOf(checkUnsubscribeUri('http://example.com:25/'))).toBe(REFUSAL.PORT_NOT_ALLOWED);
    expect(refusalOf(checkUnsubscribeUri('http://example.com:6379/'))).toBe(REFUSAL.PORT_NOT_ALLOWED);
    expect(refusalOf(checkUnsubscribeUri('http://exa\tmple.com/'))).toBe(REFUSAL.MALFORMED_URI);
    expect(refusalOf(checkUnsubscribeUri('https://example.com/\u202egnp.exe'))).toBe(REFUSAL.MALFORMED_URI);
    expect(refusalOf(checkUnsubscribeUri('https:\\\\evil.example\\u'))).toBe(REFUSAL.MALFORMED_URI);
    expect(refusalOf(checkUnsubscribeUri('https:evil.example/u'))).toBe(REFUSAL.MALFORMED_URI);
    expect(refusalOf(checkUnsubscribeUri(`https://example.com/${'a'.repeat(3000)}`))).toBe(
      REFUSAL.URI_TOO_LONG,
    );
  });

  it('mailto links that would mail third parties or inject header fields', () => {
    expect(refusalOf(checkUnsubscribeUri('mailto:a@example.com,b@example.com'))).toBe(
      REFUSAL.MAILTO_NOT_SINGLE_RECIPIENT,
    );
    expect(refusalOf(checkUnsubscribeUri('mailto:a@example.com?bcc=victim@example.org'))).toBe(
      REFUSAL.MAILTO_NOT_SINGLE_RECIPIENT,
    );
    expect(refusalOf(checkUnsubscribeUri('mailto:?to=a@example.com&to=b@example.com'))).toBe(
      REFUSAL.MAILTO_NOT_SINGLE_RECIPIENT,
    );
    expect(refusalOf(checkUnsubscribeUri('mailto:a@example.com?subject=x%0D%0ABcc:%20v@example.org'))).toBe(
      REFUSAL.MALFORMED_URI,
    );
    expect(refusalOf(checkUnsubscribeUri('mailto:a@[127.0.0.1]'))).toBe(REFUSAL.LOOPBACK_ADDRESS);
    expect(refusalOf(checkUnsubscribeUri('mailto:a@localhost'))).toBe(REFUSAL.LOCAL_HOST_NAME);
    expect(refusalOf(checkUnsubscribeUri('mailto:a@example.com?subject=%ZZ'))).toBe(REFUSAL.MALFORMED_URI);
    // Unicode line and paragraph separators read as breaks in some mail programs.
    expect(refusalOf(checkUnsubscribeUri('mailto:a@example.com?subject=x%E2%80%A8Bcc'))).toBe(
      REFUSAL.MALFORMED_URI,
    );
  });

  it('mailto links to our own domains, their subdomains or our own addresses', () => {
    const own = {
      ownDomains: ['example.com'],
      ownAddresses: ['report-spam@corp.example.org', 'Reader@Mail.example.net'],
    };
    for (const uri of [
      'mailto:CEO@Example.com',
      'mailto:x@sub.example.com',
      'mailto:report-spam@corp.example.org',
      'mailto:reader@mail.example.net',
    ])
      expect(refusalOf(checkUnsubscribeUri(uri, own))).toBe(REFUSAL.MAILTO_OWN_ADDRESS);
    expect(checkUnsubscribeUri('mailto:leave@notexample.com', own).ok).toBe(true);
    expect(checkUnsubscribeUri('mailto:other@corp.example.org', own).ok).toBe(true);
  });

  it('gives every refusal a sentence for the block page and the offending value apart', () => {
    const check = checkUnsubscribeUri('http://169.254.169.254/latest/meta-data/');
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.refusal.message).toMatch(/metadata/);
    expect(check.refusal.message).not.toContain('169.254');
    expect(check.refusal.detail).toBe('169.254.169.254');
  });
});

describe('allowLoopback (local mode and tests only)', () => {
  it('lets loopback targets through on any port, and nothing else', () => {
    const options = { allowLoopback: true };
    expect(checkUnsubscribeUri('http://127.0.0.1:41234/u', options)).toMatchObject({
      ok: true,
      target: { host: '127.0.0.1', port: 41234 },
    });
    expect(checkUnsubscribeUri('http://[::1]:8081/u', options)).toMatchObject({
      ok: true,
      target: { host: '::1' },
    });
    expect(checkUnsubscribeUri('http://localhost:3000/u', options).ok).toBe(true);
    expect(refusalOf(checkUnsubscribeUri('http://169.254.169.254/', options))).toBe(REFUSAL.METADATA_ADDRESS);
    expect(refusalOf(checkUnsubscribeUri('http://10.0.0.1:3000/', options))).toBe(REFUSAL.PRIVATE_ADDRESS);
    expect(refusalOf(checkUnsubscribeUri('http://8.8.8.8/', options))).toBe(REFUSAL.IP_LITERAL_HOST);
  });
});

describe('checkRedirect', () => {
  const from: WebTarget = {
    kind: 'web',
    scheme: 'https',
    href: 'https://esp.example.net/u/1',
    host: 'esp.example.net',
    port: 443,
  };

  it('resolves relative locations against the current URL', () => {
    expect(checkRedirect(from, '/done?ok=1')).toMatchObject({
      ok: true,
      target: { href: 'https://esp.example.net/done?ok=1' },
    });
    expect(checkRedirect(from, '//other.example.com/x')).toMatchObject({
      ok: true,
      target: { host: 'other.example.com' },
    });
  });

  it('refuses a step down from https to http, and anything that is not a web link', () => {
    expect(refusalOf(checkRedirect(from, 'http://esp.example.net/u/1'))).toBe(REFUSAL.REDIRECT_DOWNGRADE);
    expect(refusalOf(checkRedirect(from, 'mailto:u@example.com'))).toBe(REFUSAL.SCHEME_NOT_ALLOWED);
    expect(refusalOf(checkRedirect(from, 'javascript:alert(1)'))).toBe(REFUSAL.SCHEME_NOT_ALLOWED);
  });

  it('applies every URI check to the target', () => {
    expect(refusalOf(checkRedirect(from, 'https://169.254.169.254/latest/'))).toBe(REFUSAL.METADATA_ADDRESS);
    expect(refusalOf(checkRedirect(from, 'https://u:p@example.com/'))).toBe(REFUSAL.USERINFO_IN_URI);
    expect(refusalOf(checkRedirect(from, 'https://db.internal/'))).toBe(REFUSAL.LOCAL_HOST_NAME);
    expect(refusalOf(checkRedirect(from, 'https://exa mple.com/'))).toBe(REFUSAL.MALFORMED_URI);
  });
});

describe('checkUnsubscribeUri on arbitrary input (property)', () => {
  it('never throws, and what it accepts is always an allowed scheme with a public-looking host', () => {
    const uriLike = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(
          fc.constantFrom('http://', 'https://', 'mailto:', 'HTTP://', 'http:/', 'https://[', 'ftp://'),
          fc.string({ unit: 'binary', maxLength: 60 }),
        )
        .map(([a, b]) => a + b),
      fc
        .tuple(fc.ipV4(), fc.ipV6(), fc.ipV4Extended())
        .map(([v4, v6, ext]) => `http://${v4}/ http://[${v6}]/ ${ext}`),
    );
    fc.assert(
      fc.property(uriLike, (uri) => {
        const check = checkUnsubscribeUri(uri);
        if (!check.ok) {
          expect(check.refusal.message.length).toBeGreaterThan(10);
          return;
        }
        const target = check.target;
        if (target.kind === 'mailto') {
          expect(target.to).toMatch(/@/);
        } else {
          expect(['http', 'https']).toContain(target.scheme);
          expect(target.host).toContain('.');
          expect(target.host).not.toMatch(/^[0-9.]+$|:/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every IPv4 literal in every spelling a URL parser accepts', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), (host) => {
        const check = checkUnsubscribeUri(`http://${host}/u`);
        expect(check.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
