import { describe, expect, it } from 'vitest';
import { contribution, externalEngineReason } from '../../../functions/core/multiscan/engine-reasons.ts';
import type { ExternalEngineOutcome } from '../../../functions/core/multiscan/engine-verdict.ts';
import {
  engineName,
  externalEnginesSchema,
} from '../../../functions/core/multiscan/external-engines-config.ts';

const ok = (over: Partial<Extract<ExternalEngineOutcome, { status: 'ok' }>>): ExternalEngineOutcome => ({
  status: 'ok',
  engine: 'rspamd',
  name: 'rspamd mx',
  isSpam: false,
  score: 0,
  required: 15,
  symbols: [],
  ...over,
});

describe('contribution', () => {
  it('maps score / threshold onto our scale: 45 at the threshold, capped at 90, floor -10', () => {
    expect(contribution(15, 15, true, 1)).toBe(45);
    expect(contribution(30, 15, true, 1)).toBe(90);
    expect(contribution(300, 15, true, 1)).toBe(90);
    expect(contribution(3, 15, false, 1)).toBe(9);
    expect(contribution(-100, 15, false, 1)).toBe(-10);
  });

  it("never scores an engine's spam verdict below the threshold mark, and applies the weight", () => {
    expect(contribution(6, 15, true, 1)).toBe(45);
    expect(contribution(15, 15, true, 0)).toBe(0);
    expect(contribution(15, 15, true, 2)).toBe(90);
    expect(contribution(5, 0, true, 1)).toBe(45);
    expect(contribution(Number.NaN, 5, false, 1)).toBe(0);
  });
});

describe('externalEngineReason', () => {
  it('names the engine and its verdict, with the top symbols as evidence', () => {
    const reason = externalEngineReason(
      ok({
        isSpam: true,
        score: 20,
        action: 'reject',
        symbols: [
          { name: 'A', score: 0.1 },
          { name: 'B', score: -3 },
          { name: 'C', score: 9 },
        ],
      }),
    );
    expect(reason).toEqual({
      id: 'RSPAMD_SPAM',
      group: 'engine',
      description: 'rspamd mx says spam (score 20 of 15)',
      score: 60,
      evidence: '20/15 reject: C(9) B(-3) A(0.1)',
    });
    expect(externalEngineReason(ok({ engine: 'spamd', score: 1, required: 5 })).id).toBe('SPAMD_HAM');
  });

  it('turns an engine failure into a zero-score reason that says what went wrong', () => {
    expect(
      externalEngineReason({
        status: 'error',
        engine: 'spamd',
        name: 'spamd mx:783',
        error: 'timeout',
        detail: 'no complete answer within 10 s',
      }),
    ).toEqual({
      id: 'EXTERNAL_ENGINE_ERROR',
      group: 'engine',
      description: 'External engine spamd mx:783 gave no verdict (timeout); scored without it',
      score: 0,
      evidence: 'no complete answer within 10 s',
    });
  });
});

describe('externalEnginesSchema', () => {
  it('is empty by default and fills in timeouts, weights, ports and size caps', () => {
    expect(externalEnginesSchema.parse(undefined)).toEqual([]);
    const [rspamd, spamd] = externalEnginesSchema.parse([
      { type: 'rspamd', url: 'http://rspamd.internal:11333' },
      { type: 'spamd', host: 'sa.internal' },
    ]);
    expect(rspamd).toMatchObject({ timeoutSeconds: 10, weight: 1, maxMessageBytes: 2 * 1024 * 1024 });
    expect(spamd).toMatchObject({ port: 783 });
    expect(rspamd && engineName(rspamd)).toBe('rspamd rspamd.internal:11333');
    expect(spamd && engineName(spamd)).toBe('spamd sa.internal:783');
  });

  it('refuses bad settings with messages an admin can act on', () => {
    const result = externalEnginesSchema.safeParse([
      { type: 'rspamd', url: 'ftp://x' },
      { type: 'spamd', host: 'sa.internal', timeoutSeconds: 0, weight: 5 },
      { type: 'clamav' },
    ]);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      '0.url: must be an http(s) URL without credentials, e.g. http://rspamd.internal:11333',
      '1.timeoutSeconds: must be 1 or more',
      '1.weight: must be 3 or less',
      '2.type: must be { type: rspamd, url, ... } or { type: spamd, host, port, ... }',
    ]);
  });
});
