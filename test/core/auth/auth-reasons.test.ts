import { describe, expect, it } from 'vitest';
import {
  AUTH_REASON,
  authReasons,
  authResultsFromVerdicts,
  authVerdicts,
} from '../../../functions/core/auth/auth-reasons.ts';
import type { AuthResults } from '../../../functions/core/auth/types.ts';

const base: AuthResults = { authservId: 'amazonses.com', dkim: [] };
const ids = (results: AuthResults) => authReasons(results).map((r) => [r.id, r.score]);

describe('authReasons', () => {
  it('scores SPF failures by severity and says nothing about a pass', () => {
    expect(ids({ ...base, spf: { result: 'fail', domain: 'x.example' } })).toEqual([['SPF_FAIL', 15]]);
    expect(ids({ ...base, spf: { result: 'softfail' } })).toEqual([['SPF_SOFTFAIL', 6]]);
    expect(ids({ ...base, spf: { result: 'permerror' } })).toEqual([['SPF_PERMERROR', 4]]);
    expect(ids({ ...base, spf: { result: 'pass' } })).toEqual([]);
    expect(authReasons({ ...base, spf: { result: 'fail', domain: 'x.example' } })[0]?.evidence).toBe(
      'spf=fail smtp.mailfrom=x.example (by amazonses.com)',
    );
  });

  it('weights DMARC failures by the policy the domain published', () => {
    const fail = (policy?: 'reject' | 'quarantine' | 'none') =>
      ids({ ...base, dmarc: { result: 'fail', domain: 'bank.example', ...(policy ? { policy } : {}) } });
    expect(fail('reject')).toEqual([['DMARC_FAIL_REJECT', 35]]);
    expect(fail('quarantine')).toEqual([['DMARC_FAIL_QUARANTINE', 25]]);
    expect(fail('none')).toEqual([['DMARC_FAIL_NONE', 5]]);
    expect(fail()).toEqual([['DMARC_FAIL', 15]]);
    expect(ids({ ...base, dmarc: { result: 'pass' } })).toEqual([['DMARC_PASS', -5]]);
  });

  it('counts DKIM as invalid only when no signature verifies', () => {
    expect(ids({ ...base, dkim: [{ result: 'fail', domain: 'a.example', selector: 's1' }] })).toEqual([
      ['DKIM_INVALID', 8],
    ]);
    expect(ids({ ...base, dkim: [{ result: 'neutral' }, { result: 'pass' }] })).toEqual([]);
    expect(ids({ ...base, dkim: [{ result: 'none' }] })).toEqual([]);
  });

  it('reads ARC and takes score overrides from config', () => {
    expect(ids({ ...base, arc: { result: 'fail' } })).toEqual([['ARC_FAIL', 4]]);
    expect(ids({ ...base, arc: { result: 'pass' } })).toEqual([['ARC_PASS', -1]]);
    expect(
      authReasons({ ...base, spf: { result: 'fail' } }, { [AUTH_REASON.SPF_FAIL]: 30 }).map((r) => r.score),
    ).toEqual([30]);
  });
});

describe('authVerdicts and authResultsFromVerdicts', () => {
  it("uses SES's verdict words", () => {
    expect(
      authVerdicts({
        ...base,
        spf: { result: 'softfail' },
        dkim: [{ result: 'neutral' }],
        dmarc: { result: 'temperror' },
        arc: { result: 'pass' },
      }),
    ).toEqual({ spf: 'GRAY', dkim: 'FAIL', dmarc: 'PROCESSING_FAILED', arc: 'PASS' });
    expect(authVerdicts(base)).toEqual({ dkim: 'GRAY' });
  });

  it('turns receipt-notification verdicts into results that score the same way', () => {
    const results = authResultsFromVerdicts({ spf: 'FAIL', dkim: 'GRAY', dmarc: 'FAIL' }, 'REJECT');
    expect(ids(results)).toEqual([
      ['SPF_FAIL', 15],
      ['DMARC_FAIL_REJECT', 35],
    ]);
  });
});
