import { describe, expect, it } from 'vitest';
import { readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';
import { compileRelays, type RelaysInput, relaysSchema } from '../../../functions/core/relay/relay-config.ts';
import {
  connectingIpOf,
  determineSenderIp,
  ipAfterMarker,
  SENDER_IP_SOURCE,
} from '../../../functions/core/relay/sender-ip.ts';

/**
 * The admin guide's example: mail from a sending MTA (198.51.100.7) reaches the
 * organisation's relay mx1.corp.example (10.0.0.5), which hands it to SES. SES writes the
 * top Received (hop 1) for the relay's connection; the relay wrote hop 2 for the sender's.
 */
const message = (top: readonly string[] = []): Buffer =>
  Buffer.from(
    [
      ...top,
      'Received: from mx1.corp.example (mx1.corp.example [10.0.0.5])',
      ' by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc123',
      ' for alice@corp.example; Tue, 02 Jun 2026 10:30:07 +0000',
      'Received: from mail.sender.example (mail.sender.example [198.51.100.7])',
      ' by mx1.corp.example (Postfix) with ESMTPS id 4F1A2B3C4D',
      ' for <alice@corp.example>; Tue, 02 Jun 2026 10:30:05 +0000',
      'Received: from [192.168.1.20] (unknown [203.0.113.99])',
      ' by mail.sender.example with ESMTPSA id 77; Tue, 02 Jun 2026 10:30:01 +0000',
      'From: Bob <bob@sender.example>',
      'Subject: Hello',
      '',
      'Hi',
      '',
    ].join('\r\n'),
  );

const relays = (input: RelaysInput) => compileRelays(relaysSchema.parse(input));
const corpMx = (received: { hops: number; after: string }) =>
  relays([{ name: 'corp-mx', addresses: ['10.0.0.0/24'], received }]);

describe('determineSenderIp with a Received-header relay', () => {
  it('two hops back after "[" finds the sending MTA', () => {
    const header = readHeaderBlock(message());
    const result = determineSenderIp(header, '10.0.0.5', corpMx({ hops: 2, after: '[' }));
    expect(result).toEqual({
      ip: '198.51.100.7',
      source: SENDER_IP_SOURCE.RELAY_RECEIVED,
      relay: 'corp-mx',
      note: 'Sender IP 198.51.100.7 from Received header 2 after "[" of relay "corp-mx" (connecting IP 10.0.0.5)',
    });
  });

  it('a closing parenthesis finds no IP and falls back to the connecting IP', () => {
    const header = readHeaderBlock(message());
    const result = determineSenderIp(header, '10.0.0.5', corpMx({ hops: 2, after: ')' }));
    expect(result.ip).toBe('10.0.0.5');
    expect(result.source).toBe(SENDER_IP_SOURCE.CONNECTING);
    expect(result.relay).toBe('corp-mx');
    expect(result.note).toBe(
      'Sender IP 10.0.0.5 (connecting IP of relay "corp-mx"): Received header 2 has no valid IP after ")"',
    );
  });

  it('three hops back reaches the sender side (whatever that side claims)', () => {
    const header = readHeaderBlock(message());
    expect(determineSenderIp(header, '10.0.0.5', corpMx({ hops: 3, after: '(unknown [' })).ip).toBe(
      '203.0.113.99',
    );
  });

  it('falls back when the message has fewer Received headers than hops, or no marker', () => {
    const header = readHeaderBlock(message());
    const tooFar = determineSenderIp(header, '10.0.0.5', corpMx({ hops: 5, after: '[' }));
    expect(tooFar.ip).toBe('10.0.0.5');
    expect(tooFar.note).toMatch(/3 Received header\(s\), fewer than 5 hops/);
    const noMarker = determineSenderIp(header, '10.0.0.5', corpMx({ hops: 2, after: 'client-ip=' }));
    expect(noMarker.ip).toBe('10.0.0.5');
    expect(noMarker.note).toMatch(/has no "client-ip="/);
  });

  it('does not read relay headers when the connecting IP is not a configured relay', () => {
    const header = readHeaderBlock(message());
    const result = determineSenderIp(header, '192.0.2.44', corpMx({ hops: 2, after: '[' }));
    expect(result).toEqual({
      ip: '192.0.2.44',
      source: SENDER_IP_SOURCE.CONNECTING,
      note: 'Sender IP 192.0.2.44 (connecting IP, not a configured relay)',
    });
    expect(determineSenderIp(header, '192.0.2.44', []).note).toBe('Sender IP 192.0.2.44 (connecting IP)');
  });

  it('matches a relay given as a range, and an IPv4 relay connecting over IPv6 (v4-mapped)', () => {
    const header = readHeaderBlock(message());
    const ranged = relays([
      { name: 'dmz', addresses: ['10.0.0.1-10.0.0.9'], received: { hops: 2, after: '[' } },
    ]);
    expect(determineSenderIp(header, '10.0.0.5', ranged).ip).toBe('198.51.100.7');
    expect(determineSenderIp(header, '10.0.0.10', ranged).source).toBe(SENDER_IP_SOURCE.CONNECTING);
    expect(determineSenderIp(header, '::ffff:10.0.0.5', ranged).ip).toBe('198.51.100.7');
  });
});

describe('determineSenderIp with IPv6 relays', () => {
  it('finds an IPv6 sender in an RFC 5321 address literal behind an IPv6 relay', () => {
    const raw = Buffer.from(
      [
        'Received: from mx6.corp.example (mx6.corp.example [IPv6:2001:db8:c0::25])',
        ' by inbound-smtp.graywall.local with SMTP id x; Tue, 02 Jun 2026 10:30:07 +0000',
        'Received: from mail.sender.example (mail.sender.example [IPv6:2001:DB8:5::0:7])',
        ' by mx6.corp.example with ESMTP id y; Tue, 02 Jun 2026 10:30:05 +0000',
        '',
        'x',
      ].join('\r\n'),
    );
    const header = readHeaderBlock(raw);
    const v6 = relays([{ name: 'mx6', addresses: ['2001:db8:c0::/48'], received: { hops: 2, after: '[' } }]);
    expect(connectingIpOf(header)).toBe('2001:db8:c0::25');
    const result = determineSenderIp(header, connectingIpOf(header), v6);
    expect(result.ip).toBe('2001:db8:5::7');
    expect(result.source).toBe(SENDER_IP_SOURCE.RELAY_RECEIVED);
  });
});

describe('determineSenderIp with a custom-header relay', () => {
  const gateway = relays([
    { name: 'webmail', addresses: ['10.0.0.5', '2001:db8:c0::25'], header: 'X-Originating-IP' },
  ]);

  it('takes the top-most copy of the header the relay writes, brackets and all', () => {
    const header = readHeaderBlock(
      message(['X-Originating-IP: [198.51.100.23]', 'X-Originating-IP: 203.0.113.1']),
    );
    const result = determineSenderIp(header, '10.0.0.5', gateway);
    expect(result.ip).toBe('198.51.100.23');
    expect(result.source).toBe(SENDER_IP_SOURCE.RELAY_HEADER);
    expect(result.note).toMatch(/from X-Originating-IP written by relay "webmail"/);
  });

  it('falls back to the connecting IP when the header holds garbage', () => {
    for (const garbage of ['not-an-ip', '198.51.100.300', '0.0.0.0', '1.2.3.4, 5.6.7.8', '<script>']) {
      const header = readHeaderBlock(message([`X-Originating-IP: ${garbage}`]));
      const result = determineSenderIp(header, '10.0.0.5', gateway);
      expect(result.ip, garbage).toBe('10.0.0.5');
      expect(result.source).toBe(SENDER_IP_SOURCE.CONNECTING);
      expect(result.note).toMatch(/X-Originating-IP holds no valid IP/);
    }
  });

  it('falls back when the relay did not write the header at all', () => {
    const result = determineSenderIp(readHeaderBlock(message()), '2001:db8:c0::25', gateway);
    expect(result.ip).toBe('2001:db8:c0::25');
    expect(result.note).toMatch(/no X-Originating-IP header/);
  });
});

describe('connectingIpOf', () => {
  it('reads the TCP-info of the top-most Received, never a HELO literal the client chose', () => {
    const raw = Buffer.from(
      'Received: from [10.9.9.9] (unknown [203.0.113.5]) by inbound-smtp.graywall.local with SMTP id q;' +
        ' Tue, 02 Jun 2026 10:30:07 +0000\r\nReceived: from x ([192.0.2.1]) by y; date\r\n\r\nbody',
    );
    expect(connectingIpOf(readHeaderBlock(raw))).toBe('203.0.113.5');
    expect(connectingIpOf(readHeaderBlock(Buffer.from('Subject: none\r\n\r\n')))).toBeUndefined();
  });

  it('reports a missing connecting IP instead of inventing one', () => {
    const result = determineSenderIp(readHeaderBlock(message()), undefined, corpMx({ hops: 2, after: '[' }));
    expect(result).toEqual({
      ip: undefined,
      source: SENDER_IP_SOURCE.CONNECTING,
      note: 'No connecting IP recorded',
    });
  });
});

describe('ipAfterMarker', () => {
  it('is linear on hostile Received values', () => {
    const hostile = `${'[1.'.repeat(200_000)}]`;
    const started = performance.now();
    expect(ipAfterMarker(hostile, '[').ok).toBe(false);
    expect(ipAfterMarker('x'.repeat(1_000_000), '[')).toEqual({ ok: false, reason: 'no-marker' });
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('relaysSchema', () => {
  it('requires exactly one of header and received, and unique names', () => {
    const neither = relaysSchema.safeParse([{ name: 'a', addresses: ['10.0.0.1'] }]);
    expect(neither.error?.issues[0]?.message).toMatch(/either `header`/);
    const both = relaysSchema.safeParse([
      { name: 'a', addresses: ['10.0.0.1'], header: 'X-IP', received: { hops: 2, after: '[' } },
    ]);
    expect(both.success).toBe(false);
    const dup = relaysSchema.safeParse([
      { name: 'a', addresses: ['10.0.0.1'], header: 'X-IP' },
      { name: 'A', addresses: ['10.0.0.2'], header: 'X-IP' },
    ]);
    expect(dup.error?.issues[0]?.message).toMatch(/duplicates relay "A"/);
  });

  it('refuses bad addresses, hop counts and markers with messages an admin can act on', () => {
    const result = relaysSchema.safeParse([
      { name: 'a', addresses: ['10.0.0.0/33'], received: { hops: 0, after: '' } },
    ]);
    const messages = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^0\.addresses\.0: must be an IP address/),
        '0.received.hops: must be 1 or more',
        '0.received.after: must not be empty',
      ]),
    );
    expect(relaysSchema.parse(undefined)).toEqual([]);
  });
});
