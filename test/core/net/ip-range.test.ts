import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../functions/core/net/ip-address.ts';
import {
  describeRange,
  findRange,
  ipRangeEntry,
  parseIpRange,
  parseIpRanges,
  rangeContains,
} from '../../../functions/core/net/ip-range.ts';

const ip = (text: string) => {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`bad test address ${text}`);
  return parsed;
};

const contains = (entry: string, address: string): boolean => {
  const range = parseIpRange(entry);
  if (!range) throw new Error(`bad test range ${entry}`);
  return rangeContains(range, ip(address));
};

describe('parseIpRange', () => {
  it('reads single addresses, CIDR blocks and inclusive ranges', () => {
    expect(describeRange(parseIpRange('192.0.2.7') as never)).toBe('192.0.2.7');
    expect(describeRange(parseIpRange('192.0.2.0/24') as never)).toBe('192.0.2.0-192.0.2.255');
    expect(describeRange(parseIpRange('192.0.2.10 - 192.0.2.20') as never)).toBe('192.0.2.10-192.0.2.20');
    expect(describeRange(parseIpRange('2001:db8::/32') as never)).toBe(
      '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
    );
  });

  it('clears host bits below the prefix, as routers do', () => {
    expect(describeRange(parseIpRange('10.1.2.3/8') as never)).toBe('10.0.0.0-10.255.255.255');
    expect(describeRange(parseIpRange('0.0.0.0/0') as never)).toBe('0.0.0.0-255.255.255.255');
  });

  it('refuses reversed ranges, mixed families, bad prefixes and junk', () => {
    for (const text of [
      '192.0.2.20-192.0.2.10',
      '192.0.2.1-2001:db8::1',
      '192.0.2.0/33',
      '2001:db8::/129',
      '192.0.2.0/08',
      '192.0.2.0/',
      'example.com',
      '',
      '1'.repeat(500),
    ]) {
      expect(parseIpRange(text), text).toBeUndefined();
    }
  });
});

describe('rangeContains', () => {
  it('matches IPv4 CIDR edges and nothing outside', () => {
    expect(contains('198.51.100.0/24', '198.51.100.0')).toBe(true);
    expect(contains('198.51.100.0/24', '198.51.100.255')).toBe(true);
    expect(contains('198.51.100.0/24', '198.51.101.0')).toBe(false);
    expect(contains('198.51.100.0/25', '198.51.100.128')).toBe(false);
  });

  it('matches an inclusive range by its ends', () => {
    expect(contains('192.0.2.10-192.0.2.20', '192.0.2.10')).toBe(true);
    expect(contains('192.0.2.10-192.0.2.20', '192.0.2.20')).toBe(true);
    expect(contains('192.0.2.10-192.0.2.20', '192.0.2.21')).toBe(false);
    expect(contains('2001:db8::1-2001:db8::ff', '2001:db8::80')).toBe(true);
  });

  it('matches IPv6 prefixes and keeps the families apart', () => {
    expect(contains('2001:db8:abcd::/48', '2001:db8:abcd:12::1')).toBe(true);
    expect(contains('2001:db8:abcd::/48', '2001:db8:abce::1')).toBe(false);
    expect(contains('::/0', '192.0.2.1')).toBe(false);
  });

  it('treats IPv4-mapped IPv6 as the IPv4 host, on either side', () => {
    expect(contains('192.0.2.0/24', '::ffff:192.0.2.77')).toBe(true);
    expect(contains('::ffff:192.0.2.0/120', '192.0.2.77')).toBe(true);
    expect(contains('::ffff:192.0.2.1', '192.0.2.1')).toBe(true);
  });
});

describe('findRange, parseIpRanges and the config field', () => {
  it('returns the first range that holds the address', () => {
    const ranges = parseIpRanges(['10.0.0.0/8', '2001:db8::/32', '10.1.0.0/16']);
    expect(findRange(ranges, ip('10.1.2.3'))?.text).toBe('10.0.0.0/8');
    expect(findRange(ranges, ip('192.0.2.1'))).toBeUndefined();
    expect(() => parseIpRanges(['nope'])).toThrow(/not an IP address/);
  });

  it('gives an admin a message that says which forms are accepted', () => {
    const result = ipRangeEntry.safeParse('10.0.0.0/40');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/CIDR block/);
    expect(ipRangeEntry.parse(' 10.0.0.0/8 ')).toBe('10.0.0.0/8');
  });
});
