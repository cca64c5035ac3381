import { describe, expect, it } from 'vitest';
import { extractUrlHosts } from '../../../functions/core/reputation/url-hosts.ts';

const hosts = (...texts: string[]) => extractUrlHosts(texts).map((h) => h.host);

describe('extractUrlHosts', () => {
  it('finds links in plain text and in HTML attributes, each host once', () => {
    expect(
      hosts(
        'Visit https://Shop.Example.com/deal?id=1 or www.other.example today. Again: http://shop.example.com',
        '<a href="http://track.example.net/c?u=1&amp;v=2">x</a><img src="https://cdn.example.org/p.gif">',
      ),
    ).toEqual(['shop.example.com', 'www.other.example', 'track.example.net', 'cdn.example.org']);
  });

  it('sees through userinfo, ports, IDN, percent-encoding and numeric IPv4 forms', () => {
    expect(hosts('http://paypal.com@evil.example:8080/login')).toEqual(['evil.example']);
    expect(hosts('https://bücher.example/')).toEqual(['xn--bcher-kva.example']);
    expect(hosts('http://%65vil.example/')).toEqual(['evil.example']);
    expect(
      extractUrlHosts(['http://3232235777/ and http://0xC0.0xA8.1.2/ and http://[2001:db8::1]/']),
    ).toEqual([
      { host: '192.168.1.1', isIp: true },
      { host: '192.168.1.2', isIp: true },
      { host: '2001:db8::1', isIp: true },
    ]);
  });

  it('ignores things that are not link hosts', () => {
    expect(hosts('http://localhost/ http:// mailto:a@b.example ftp://files.example/')).toEqual([]);
  });

  it('stays linear and bounded on hostile bodies', () => {
    const started = performance.now();
    const flood = 'http://'.repeat(300_000);
    expect(extractUrlHosts([flood, `www.${'a'.repeat(1_000_000)}`]).length).toBeLessThanOrEqual(1);
    const many = Array.from({ length: 5_000 }, (_, i) => `http://h${i}.example/`).join(' ');
    expect(extractUrlHosts([many], { maxHosts: 50 })).toHaveLength(50);
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
