import { describe, expect, it } from 'vitest';
import {
  authResultsOf,
  parseAuthenticationResults,
} from '../../../functions/core/auth/authentication-results.ts';
import { parseReceivedSpf } from '../../../functions/core/auth/received-spf.ts';

const read = (value: string) => {
  const parsed = parseAuthenticationResults(value);
  if (!parsed) throw new Error('did not parse');
  return authResultsOf(parsed);
};

describe('parseAuthenticationResults', () => {
  it('reads the field SES writes', () => {
    const value =
      'amazonses.com; spf=pass (spfCheck: domain of example.org designates 192.0.2.1 as permitted sender)' +
      ' client-ip=192.0.2.1; envelope-from=bob@example.org; helo=mail.example.org; dkim=pass header.i=@example.org;' +
      ' dmarc=pass header.from=example.org;';
    expect(read(value)).toEqual({
      authservId: 'amazonses.com',
      spf: { result: 'pass' },
      dkim: [{ result: 'pass', domain: 'example.org' }],
      dmarc: { result: 'pass', domain: 'example.org' },
    });
  });

  it('reads the field mailauth writes, policy and selectors included', () => {
    const value =
      'inbound-smtp.graywall.local; dkim=neutral (body hash did not verify) header.i=@sender.example' +
      ' header.s=sel header.a=rsa-sha256 header.b=l7oCVquY; spf=fail (inbound-smtp.graywall.local: domain of' +
      ' bob@sender.example does not designate 203.0.113.1 as permitted sender) smtp.mailfrom=bob@sender.example' +
      ' smtp.helo=mail.sender.example; arc=fail (i=1 signature error); dmarc=fail (p=REJECT arc=none)' +
      ' policy.dmarc=reject header.from=sender.example header.d=sender.example';
    expect(read(value)).toEqual({
      authservId: 'inbound-smtp.graywall.local',
      spf: { result: 'fail', domain: 'sender.example' },
      dkim: [{ result: 'neutral', domain: 'sender.example', selector: 'sel', signature: 'l7oCVquY' }],
      dmarc: { result: 'fail', policy: 'reject', domain: 'sender.example' },
      arc: { result: 'fail' },
    });
  });

  it('handles RFC 8601 syntax: version, comments, quoted strings, spaces around "=", no-result', () => {
    const parsed = parseAuthenticationResults(
      'Example.COM 1 (comment; with (nested) semicolons); spf = hardfail (a "quoted" comment)' +
        ' smtp.mailfrom="odd;local part"@example.net; dkim/1=pass reason="good sig" header.d=example.net',
    );
    expect(parsed?.authservId).toBe('example.com');
    expect(parsed?.results.map((r) => [r.method, r.result, r.reason])).toEqual([
      ['spf', 'hardfail', undefined],
      ['dkim', 'pass', 'good sig'],
    ]);
    expect(parsed?.results[0]?.properties.get('smtp.mailfrom')).toBe('odd;local part@example.net');
    expect(parsed && authResultsOf(parsed).spf).toEqual({ result: 'fail', domain: 'example.net' });
    expect(parseAuthenticationResults('amazonses.com; none')?.results).toEqual([]);
  });

  it('skips methods and results it does not know, and values that are not a field at all', () => {
    expect(
      read('mx.example; iprev=pass policy.iprev=192.0.2.1; spf=bogus; dkim=pass header.d=a.example'),
    ).toEqual({
      authservId: 'mx.example',
      dkim: [{ result: 'pass', domain: 'a.example' }],
    });
    expect(parseAuthenticationResults('')).toBeUndefined();
    expect(parseAuthenticationResults('spf=pass')).toBeUndefined();
  });

  it('is linear on hostile values (unclosed comments, quote floods, semicolon floods)', () => {
    const started = performance.now();
    for (const hostile of [
      `x; ${'('.repeat(100_000)}`,
      `x; spf=pass smtp.mailfrom="${'\\"'.repeat(100_000)}`,
      `x${';a=b'.repeat(100_000)}`,
      `x; ${' = '.repeat(100_000)}`,
    ]) {
      parseAuthenticationResults(hostile);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('parseReceivedSpf', () => {
  it('reads the RFC 7208 §9.1 example and SES style fields', () => {
    expect(
      parseReceivedSpf(
        'pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender)' +
          ' receiver=mybox.example.org; client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com;',
      ),
    ).toEqual({ result: 'pass', domain: 'example.com', clientIp: '192.0.2.1' });
    expect(
      parseReceivedSpf(
        'softfail (spfCheck: transitioning) client-ip=203.0.113.9; envelope-from=a@b.example;',
      ),
    ).toEqual({ result: 'softfail', domain: 'b.example', clientIp: '203.0.113.9' });
  });

  it('checks HELO for the null reverse-path and refuses unknown keywords', () => {
    expect(parseReceivedSpf('none client-ip=192.0.2.1; envelope-from=<>; helo=mta.example.net')?.domain).toBe(
      'mta.example.net',
    );
    expect(parseReceivedSpf('maybe (who knows)')).toBeUndefined();
  });
});
