import { describe, expect, it } from 'vitest';
import { forwardAddress, rewriteForForwarding } from '../../../functions/core/delivery/forwarding.ts';
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
});
