import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  formatIp,
  normaliseIp,
  parseIp,
  readIpLiteral,
  reversedIpName,
} from '../../../functions/core/net/ip-address.ts';

describe('parseIp', () => {
  it('reads dotted quads and every IPv6 text form of RFC 4291 §2.2', () => {
    expect(parseIp('192.0.2.1')).toEqual({ family: 4, bytes: Uint8Array.from([192, 0, 2, 1]) });
    expect(parseIp('2001:db8::1')?.family).toBe(6);
    expect(parseIp('2001:DB8:0:0:0:0:0:1')?.bytes).toEqual(parseIp('2001:db8::1')?.bytes);
    expect(parseIp('::')?.bytes).toEqual(new Uint8Array(16));
    expect(parseIp('::ffff:192.0.2.1')?.bytes.slice(12)).toEqual(Uint8Array.from([192, 0, 2, 1]));
  });

  it('refuses look-alikes: leading zeros, short quads, extra groups, junk', () => {
    for (const text of [
      '010.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1.2.3.4 ',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::1',
      'fe80::1%eth0',
      '[2001:db8::1]',
      '',
      'x'.repeat(10_000),
    ]) {
      expect(parseIp(text), text).toBeUndefined();
    }
  });
});

describe('formatIp and canonicalIp', () => {
  it('writes IPv6 in the RFC 5952 canonical form', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('fe80:0:0:0:0:0:0:0')).toBe('fe80::');
  });

  it('unmaps IPv4-mapped IPv6 so one host has one spelling', () => {
    expect(canonicalIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(canonicalIp('::FFFF:c000:0201')).toBe('192.0.2.1');
    const ip = parseIp('::ffff:198.51.100.7');
    expect(ip && formatIp(normaliseIp(ip))).toBe('198.51.100.7');
  });
});

describe('readIpLiteral', () => {
  it('accepts bare, bracketed and RFC 5321 IPv6-tagged literals', () => {
    expect(readIpLiteral(' [192.0.2.1] ')).toEqual(parseIp('192.0.2.1'));
    expect(readIpLiteral('[IPv6:2001:db8::5]')).toEqual(parseIp('2001:db8::5'));
    expect(readIpLiteral('IPv6:2001:db8::5')).toEqual(parseIp('2001:db8::5'));
    expect(readIpLiteral('192.0.2.1 (via proxy)')).toBeUndefined();
  });
});

describe('reversedIpName', () => {
  it('reverses IPv4 octets and IPv6 nibbles as DNS lists expect (RFC 5782 §2.1, §2.4)', () => {
    expect(reversedIpName(parseIp('192.0.2.99') as never)).toBe('99.2.0.192');
    expect(reversedIpName(parseIp('2001:db8:1:2:3:4:567:89ab') as never)).toBe(
      'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2',
    );
    expect(reversedIpName(parseIp('::ffff:192.0.2.99') as never)).toBe('99.2.0.192');
  });
});
