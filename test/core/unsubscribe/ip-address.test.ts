import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIpv6 } from '../../../functions/core/unsubscribe/ip-address.ts';
import { REFUSAL } from '../../../functions/core/unsubscribe/refusal.ts';

const codeOf = (address: string, allowLoopback = false): string =>
  ((check) => (check.ok ? 'OK' : check.refusal.code))(classifyAddress(address, { allowLoopback }));

describe('classifyAddress', () => {
  it.each([
    ['93.184.215.14'],
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['2606:4700:4700::1111'],
    ['2a00:1450:4001:82a::200e'],
    ['::ffff:8.8.8.8'], // IPv4-mapped: judged by the IPv4 address
    ['64:ff9b::808:808'], // NAT64 of 8.8.8.8
  ])('accepts the public unicast address %s', (address) => {
    expect(codeOf(address)).toBe('OK');
  });

  it.each([
    ['10.0.0.1', REFUSAL.PRIVATE_ADDRESS],
    ['172.16.0.1', REFUSAL.PRIVATE_ADDRESS],
    ['172.31.255.255', REFUSAL.PRIVATE_ADDRESS],
    ['192.168.0.10', REFUSAL.PRIVATE_ADDRESS],
    ['127.0.0.1', REFUSAL.LOOPBACK_ADDRESS],
    ['127.255.0.9', REFUSAL.LOOPBACK_ADDRESS],
    ['169.254.1.1', REFUSAL.LINK_LOCAL_ADDRESS],
    ['169.254.169.254', REFUSAL.METADATA_ADDRESS],
    ['169.254.170.2', REFUSAL.METADATA_ADDRESS],
    ['0.0.0.0', REFUSAL.UNSPECIFIED_ADDRESS],
    ['0.1.2.3', REFUSAL.RESERVED_ADDRESS],
    ['100.64.0.1', REFUSAL.SHARED_ADDRESS],
    ['100.127.255.254', REFUSAL.SHARED_ADDRESS],
    ['224.0.0.251', REFUSAL.MULTICAST_ADDRESS],
    ['239.255.255.250', REFUSAL.MULTICAST_ADDRESS],
    ['240.0.0.1', REFUSAL.RESERVED_ADDRESS],
    ['255.255.255.255', REFUSAL.BROADCAST_ADDRESS],
    ['198.18.0.1', REFUSAL.BENCHMARKING_ADDRESS],
    ['198.19.255.255', REFUSAL.BENCHMARKING_ADDRESS],
    ['192.0.2.1', REFUSAL.DOCUMENTATION_ADDRESS],
    ['198.51.100.7', REFUSAL.DOCUMENTATION_ADDRESS],
    ['203.0.113.200', REFUSAL.DOCUMENTATION_ADDRESS],
    ['192.0.0.8', REFUSAL.RESERVED_ADDRESS],
  ])('refuses the IPv4 address %s as %s', (address, code) => {
    expect(codeOf(address)).toBe(code);
  });

  it.each([
    ['::', REFUSAL.UNSPECIFIED_ADDRESS],
    ['::1', REFUSAL.LOOPBACK_ADDRESS],
    ['0:0:0:0:0:0:0:1', REFUSAL.LOOPBACK_ADDRESS],
    ['fc00::1', REFUSAL.PRIVATE_ADDRESS],
    ['fd12:3456:789a::1', REFUSAL.PRIVATE_ADDRESS],
    ['fd00:ec2::254', REFUSAL.METADATA_ADDRESS],
    ['fe80::1', REFUSAL.LINK_LOCAL_ADDRESS],
    ['fe80::1%eth0', REFUSAL.LINK_LOCAL_ADDRESS],
    ['febf::1', REFUSAL.LINK_LOCAL_ADDRESS],
    ['fec0::1', REFUSAL.PRIVATE_ADDRESS],
    ['ff02::1', REFUSAL.MULTICAST_ADDRESS],
    ['2001:db8::1', REFUSAL.DOCUMENTATION_ADDRESS],
    ['3fff::1', REFUSAL.DOCUMENTATION_ADDRESS],
    ['2001:2::1', REFUSAL.BENCHMARKING_ADDRESS],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', REFUSAL.RESERVED_ADDRESS], // Teredo
    ['100::1', REFUSAL.RESERVED_ADDRESS],
    ['4000::1', REFUSAL.RESERVED_ADDRESS], // outside 2000::/3
  ])('refuses the IPv6 address %s as %s', (address, code) => {
    expect(codeOf(address)).toBe(code);
  });

  it.each([
    ['::ffff:127.0.0.1', REFUSAL.LOOPBACK_ADDRESS],
    ['::ffff:7f00:1', REFUSAL.LOOPBACK_ADDRESS],
    ['::ffff:169.254.169.254', REFUSAL.METADATA_ADDRESS],
    ['::ffff:10.1.2.3', REFUSAL.PRIVATE_ADDRESS],
    ['::ffff:0:192.168.1.1', REFUSAL.PRIVATE_ADDRESS], // SIIT IPv4-translated
    ['::127.0.0.1', REFUSAL.LOOPBACK_ADDRESS], // IPv4-compatible (deprecated)
    ['::8.8.8.8', REFUSAL.RESERVED_ADDRESS], // IPv4-compatible, public inside: still unroutable
    ['64:ff9b::a9fe:a9fe', REFUSAL.METADATA_ADDRESS], // NAT64 of 169.254.169.254
    ['64:ff9b::10.0.0.1', REFUSAL.PRIVATE_ADDRESS],
    ['64:ff9b:1::1', REFUSAL.PRIVATE_ADDRESS], // local-use NAT64 prefix
    ['2002:c0a8:0101::1', REFUSAL.PRIVATE_ADDRESS], // 6to4 of 192.168.1.1
    ['2002:7f00:1::1', REFUSAL.LOOPBACK_ADDRESS], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::', REFUSAL.METADATA_ADDRESS],
  ])('judges %s by the IPv4 address it embeds (%s)', (address, code) => {
    expect(codeOf(address)).toBe(code);
  });

  it.each([
    [''],
    ['example.com'],
    ['127.1'],
    ['0x7f.0.0.1'],
    ['01.2.3.4'],
    ['256.1.1.1'],
    ['1.2.3.4.5'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1::2::3'],
    [':1:2:3:4:5:6:7'],
    ['12345::1'],
    ['::ffff:1.2.3'],
    ['x'.repeat(100)],
  ])('refuses %j, which is not an address in canonical form', (text) => {
    expect(codeOf(text)).toBe(REFUSAL.INVALID_ADDRESS);
  });

  it('allows loopback only when asked, and never the metadata or private ranges', () => {
    expect(codeOf('127.0.0.1', true)).toBe('OK');
    expect(codeOf('::1', true)).toBe('OK');
    expect(codeOf('::ffff:127.0.0.1', true)).toBe('OK');
    expect(codeOf('169.254.169.254', true)).toBe(REFUSAL.METADATA_ADDRESS);
    expect(codeOf('10.0.0.1', true)).toBe(REFUSAL.PRIVATE_ADDRESS);
    expect(codeOf('::127.0.0.1', true)).toBe(REFUSAL.LOOPBACK_ADDRESS);
  });
});

describe('parseIpv6', () => {
  it('reads compressed, full, bracketed and dotted-quad forms alike', () => {
    const expected = parseIpv6('2001:db8:0:0:0:0:0:1');
    expect(parseIpv6('2001:db8::1')).toEqual(expected);
    expect(parseIpv6('[2001:DB8::1]')).toEqual(expected);
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual(parseIpv6('::ffff:102:304'));
  });
});

describe('classifyAddress on arbitrary input (property)', () => {
  it('never throws, and refuses every address in the private, loopback and link-local ranges', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (text) => {
        const check = classifyAddress(text);
        if (check.ok) expect([4, 6]).toContain(check.family);
      }),
      { numRuns: 3000 },
    );
    const privateV4 = fc
      .tuple(
        fc.constantFrom([10], [172, 16 + 0], [192, 168], [127], [169, 254]),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      )
      .map(([prefix, rest]) => [...prefix, ...rest].slice(0, 4).join('.'));
    fc.assert(
      fc.property(privateV4, (address) => {
        expect(classifyAddress(address).ok).toBe(false);
        expect(classifyAddress(`::ffff:${address}`).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
