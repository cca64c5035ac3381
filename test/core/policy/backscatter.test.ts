import { describe, expect, it } from 'vitest';
import { mayBounceTo } from '../../../functions/core/policy/backscatter.ts';

describe('mayBounceTo', () => {
  it('does not bounce to a return path outside printable ASCII, even when SPF passed for it', () => {
    // Written as latin1 into the report's To:, U+010D U+010A would end the field.
    expect(mayBounceTo({ envelopeFrom: 'x\u010d\u010abcc:evil@esp.example', spf: 'PASS' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a plain ASCII address/),
    });
    expect(mayBounceTo({ envelopeFrom: 'jörg@esp.example', spf: 'PASS' }).ok).toBe(false);
  });

  it('bounces to a return path SPF verified', () => {
    expect(
      mayBounceTo({ envelopeFrom: 'bounce@esp.example', headerFrom: 'news@brand.example', spf: 'PASS' }),
    ).toEqual({
      ok: true,
    });
  });

  it('bounces on a DMARC pass only when the return path is in the From domain itself', () => {
    expect(
      mayBounceTo({
        envelopeFrom: 'b@Brand.example',
        headerFrom: 'news@brand.example',
        spf: 'FAIL',
        dmarc: 'PASS',
      }),
    ).toEqual({ ok: true });
    // A signer of their own domain aiming our bounces at someone else.
    const forged = mayBounceTo({
      envelopeFrom: 'victim@other.example',
      headerFrom: 'promo@attacker.example',
      spf: 'FAIL',
      dmarc: 'PASS',
    });
    expect(forged.ok).toBe(false);
    // Organisational alignment is not enough: a shared suffix holds strangers.
    expect(
      mayBounceTo({ envelopeFrom: 'x@victim.github.io', headerFrom: 'a@evil.github.io', dmarc: 'PASS' }).ok,
    ).toBe(false);
  });

  it('never bounces to an unauthenticated or null return path, and says why', () => {
    expect(mayBounceTo({ envelopeFrom: 'a@b.example', spf: 'SOFTFAIL', dmarc: 'FAIL' })).toEqual({
      ok: false,
      reason:
        'the sender is not authenticated (SPF SOFTFAIL, DMARC FAIL); bouncing could hit a forged address',
    });
    expect(mayBounceTo({ envelopeFrom: '', spf: 'PASS' })).toEqual({
      ok: false,
      reason: 'the message has no return path (it is itself a bounce)',
    });
  });
});
