import { describe, expect, it } from 'vitest';
import { RULES } from '../../../functions/core/scan/rules/index.ts';
import { scanParsedMessage } from '../../../functions/core/scan/scan-message.ts';
import { parse } from '../../support/parsed.ts';

const thresholds = { positiveThreshold: 90, suspectThreshold: 50 };

describe('scanParsedMessage with the admin test signals', () => {
  it('makes a message with the test header positive spam with the reason recorded', async () => {
    const result = scanParsedMessage(
      await parse('From: a@b.example\nX-Advertisement: spam\n\nx\n'),
      {},
      thresholds,
    );
    expect(result).toMatchObject({ score: 100, verdict: 'positive' });
    expect(result.reasons[0]).toMatchObject({ id: 'X_ADVERTISEMENT_SPAM', score: 100, group: 'test' });
  });

  it('trusts only the top-most SES verdict header, not a forged copy further down', async () => {
    const forgedBelow = await parse(
      'X-SES-Spam-Verdict: PASS\nReceived: from x\nX-SES-Spam-Verdict: FAIL\nFrom: a@b.example\n\nx\n',
    );
    expect(scanParsedMessage(forgedBelow, {}, thresholds).reasons.map((r) => r.id)).not.toContain(
      'SES_SPAM_VERDICT_FAIL',
    );
    const sesSaysFail = await parse('X-SES-Spam-Verdict: FAIL\nFrom: a@b.example\n\nx\n');
    const sesOnly = RULES.filter((rule) => rule.group === 'ses');
    expect(scanParsedMessage(sesSaysFail, {}, { ...thresholds, rules: sesOnly })).toMatchObject({
      score: 50,
      verdict: 'suspect',
    });
  });

  it('records a failing rule as RULE_ERROR and keeps scanning', async () => {
    const broken = {
      id: 'BROKEN',
      group: 'body' as const,
      description: 'always throws',
      score: 10,
      check: () => {
        throw new Error('boom');
      },
    };
    const result = scanParsedMessage(
      await parse('Subject: x\n\nx\n'),
      {},
      { ...thresholds, rules: [broken] },
    );
    expect(result.reasons).toEqual([
      {
        id: 'RULE_ERROR',
        group: 'engine',
        description: 'Rule BROKEN failed and was skipped',
        score: 0,
        evidence: 'boom',
      },
    ]);
    expect(result.verdict).toBe('clean');
  });
});
