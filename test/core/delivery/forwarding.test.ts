import { describe, expect, it } from 'vitest';
import { forwardAddress, rewriteForForwarding } from '../../../functions/core/delivery/forwarding.ts';
import { parseMessage } from '../../../functions/core/mime/parse-message.ts';
import { parse } from '../../support/parsed.ts';

describe('forwardAddress', () => {
  const config = {
    forward: { 'boss@example.com': 'boss@private.example.org' },
    forwardDomain: 'mail.example.net',
  };
  it('uses an exact mapping first, then the forward domain', () => {
    expect(forwardAddress(config, 'boss@example.com')).toBe('boss@private.example.org');
    expect(forwardAddress(config, 'ann@example.com')).toBe('ann@mail.example.net');
    expect(forwardAddress({ forward: {} }, 'ann@example.com')).toBeUndefined();
  });
});

describe('rewriteForForwarding', () => {
  it('sends From the verified address, keeps the author reachable and drops stale signatures', async () => {
    const raw =
      'Return-Path: <a@x.example>\r\nDKIM-Signature: v=1; d=x.example\r\nFrom: Ann <ann@x.example>\r\nSubject: hi\r\n\r\nbody\r\n';
    const out = rewriteForForwarding(
      Buffer.from(raw),
      await parse(raw),
      'fwd@example.com',
      'Example Corp',
    ).toString();
    expect(out).toBe(
      'From: "Ann via Example Corp" <fwd@example.com>\r\nSubject: hi\r\nReply-To: ann@x.example\r\nX-Original-From: ann@x.example\r\n\r\nbody\r\n',
    );
  });

  it('keeps an existing Reply-To and never copies an address that could break the header', async () => {
    const raw = 'From: "Evil" <"a\\"b"@x.example>\r\nReply-To: r@x.example\r\n\r\nb';
    const out = rewriteForForwarding(Buffer.from(raw), await parse(raw), 'fwd@example.com', 'Org').toString();
    expect(out).toContain('Reply-To: r@x.example');
    expect(out).not.toContain('X-Original-From');
  });

  it('never copies a non-ASCII address, whose characters latin1 would turn into line breaks', async () => {
    // U+060D and U+060A keep 0x0D and 0x0A as their low byte, U+063A a colon, U+0620 a space:
    // copied as latin1, this From would end the Reply-To field and add fields of its own.
    const forged = 'a\u060d\u060aX-Graywall-Digest\u063a\u0620true\u060d\u060aX@attacker.example';
    const raw = Buffer.from(`From: Shop <${forged}>\r\nSubject: hi\r\n\r\nbody\r\n`, 'utf8');
    const out = rewriteForForwarding(raw, await parseMessage(raw), 'fwd@example.com', 'Org').toString(
      'latin1',
    );
    expect(out).not.toMatch(/^X-Graywall-Digest/m);
    expect(out).not.toContain('Reply-To');
    expect(out).not.toContain('X-Original-From');
    expect(out).toContain('From: "unknown sender via Org" <fwd@example.com>\r\n');
  });
});
