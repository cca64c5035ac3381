import { describe, expect, it } from 'vitest';
import { readRspamdResult, readSpamdResponse } from '../../../functions/core/multiscan/engine-verdict.ts';

describe('readSpamdResponse', () => {
  it('reads a SYMBOLS reply', () => {
    expect(
      readSpamdResponse(
        'SPAMD/1.1 0 EX_OK\r\nContent-length: 20\r\nSpam: True ; 7.5 / 5.0\r\n\r\nBAYES_99,URIBL_BLACK\r\n',
      ),
    ).toEqual({
      ok: true,
      isSpam: true,
      score: 7.5,
      required: 5,
      symbols: [{ name: 'BAYES_99' }, { name: 'URIBL_BLACK' }],
    });
  });

  it('reads a CHECK reply (no body) and negative scores', () => {
    expect(readSpamdResponse('SPAMD/1.1 0 EX_OK\r\nSpam: False ; -2.1 / 5.0\r\n\r\n')).toMatchObject({
      ok: true,
      isSpam: false,
      score: -2.1,
      symbols: [],
    });
  });

  it('refuses what is not a successful spamd reply, and drops junk symbol names', () => {
    expect(readSpamdResponse('')).toMatchObject({ ok: false });
    expect(readSpamdResponse('SPAMD/1.0 68 EX_NOHOST\r\n\r\n')).toEqual({
      ok: false,
      detail: 'spamd refused: 68 EX_NOHOST',
    });
    expect(readSpamdResponse('SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1e309 / 5\r\n\r\n')).toMatchObject({
      ok: false,
    });
    const junk = readSpamdResponse('SPAMD/1.1 0 EX_OK\r\nSpam: yes ; 6 / 5\r\n\r\nOK_RULE,<script>,,A B');
    expect(junk).toMatchObject({ ok: true, symbols: [{ name: 'OK_RULE' }] });
  });

  it('is linear on hostile replies', () => {
    const started = performance.now();
    readSpamdResponse(`SPAMD/1.1 0 EX_OK\r\nSpam: True ; ${'1'.repeat(100_000)}\r\n\r\n`);
    readSpamdResponse(`SPAMD/1.1 0 EX_OK\r\nSpam: True ; 9 / 5\r\n\r\n${','.repeat(1_000_000)}`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('readRspamdResult', () => {
  it('reads score, threshold, action and symbols', () => {
    expect(
      readRspamdResult({
        score: 7,
        required_score: 15,
        action: 'add header',
        symbols: { X: { name: 'X', score: 3 }, Y: { score: 'nope' }, 'bad name!': { score: 1 } },
      }),
    ).toEqual({
      ok: true,
      isSpam: true,
      score: 7,
      required: 15,
      action: 'add header',
      symbols: [{ name: 'X', score: 3 }, { name: 'Y' }],
    });
  });

  it('refuses replies without a verdict', () => {
    expect(readRspamdResult(null)).toMatchObject({ ok: false });
    expect(readRspamdResult([1, 2])).toMatchObject({ ok: false });
    expect(readRspamdResult({ score: 'high', required_score: 15, action: 'reject' })).toMatchObject({
      ok: false,
    });
    expect(readRspamdResult({ is_skipped: true })).toEqual({
      ok: false,
      detail: 'rspamd skipped the message',
    });
  });
});
