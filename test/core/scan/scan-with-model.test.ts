import { describe, expect, it } from 'vitest';
import { statisticalPoints } from '../../../functions/core/scan/combine.ts';
import { GTUBE_STRING } from '../../../functions/core/scan/rules/gtube.ts';
import { RULES_VERSION } from '../../../functions/core/scan/rules/index.ts';
import { scanParsedMessage, scanRawMessage } from '../../../functions/core/scan/scan-message.ts';
import { classifyMessage } from '../../../functions/core/scan/statistical/classify.ts';
import type { Combination, StatisticalModel } from '../../../functions/core/scan/statistical/model.ts';
import { parse } from '../../support/parsed.ts';
import { HAM_MESSAGES, SPAM_MESSAGES, trainSmallModel, trainSplitModel } from './statistical/fixtures.ts';

const thresholds = { positiveThreshold: 90, suspectThreshold: 50 };

describe('scanParsedMessage with the statistical model', () => {
  it('adds the classifier as a reason and records the model version next to the rules version', async () => {
    // Prepare
    const model = await trainSmallModel();
    // Act
    const result = scanParsedMessage(await parse(SPAM_MESSAGES[0] as string), {}, { ...thresholds, model });
    // Assess
    expect(result.engineVersion).toBe(`${RULES_VERSION}+${model.version}`);
    const reason = result.reasons.find((r) => r.id === 'STATISTICAL_SPAM');
    expect(reason?.score).toBe(result.score);
    expect(result.verdict).not.toBe('clean');
  });

  it('scores ham-looking mail below suspect, with a STATISTICAL_HAM reason', async () => {
    const model = await trainSmallModel();
    const result = scanParsedMessage(await parse(HAM_MESSAGES[0] as string), {}, { ...thresholds, model });
    expect(result.verdict).toBe('clean');
    expect(result.reasons.map((r) => r.id)).toContain('STATISTICAL_HAM');
  });

  it('with a header classifier, adds its opinion as a second reason whose points add to the score', async () => {
    // Prepare
    const model = await trainSplitModel();
    // Act
    const spam = scanParsedMessage(
      await parse(SPAM_MESSAGES[1] as string),
      {},
      { ...thresholds, model, rules: [] },
    );
    const ham = scanParsedMessage(
      await parse(HAM_MESSAGES[0] as string),
      {},
      { ...thresholds, model, rules: [] },
    );
    // Assess
    expect(spam.reasons.map((r) => r.id).sort()).toEqual([
      'SCORE_BASELINE',
      'STATISTICAL_HEADERS_SPAM',
      'STATISTICAL_SPAM',
    ]);
    const sum = spam.reasons.reduce((total, r) => total + r.score, 0);
    expect(spam.score).toBe(Math.min(100, Math.max(0, Math.round(sum))));
    expect(spam.verdict).not.toBe('clean');
    expect(ham.reasons.map((r) => r.id)).toContain('STATISTICAL_HEADERS_HAM');
    expect(ham.verdict).toBe('clean');
  });

  it("shows the scale's starting point apart, so the classifier's reason says what the classifier added", async () => {
    // Prepare: a scale that starts at 50, so a message the classifier finds hammy still scores
    // above 0 from the classifier's part (the shipped model starts near 39).
    const trained = await trainSplitModel();
    const combination = trained.combination as Combination;
    const model: StatisticalModel = {
      ...trained,
      combination: { ...combination, bias: combination.profiles.normal.suspectZ },
    };
    const message = await parse(HAM_MESSAGES[0] as string);
    const logit = classifyMessage(model, message).logit;
    expect(logit).toBeLessThan(0);
    // Act
    const result = scanParsedMessage(message, {}, { ...thresholds, model, rules: [] });
    // Assess
    const byId = new Map(result.reasons.map((r) => [r.id, r.score]));
    expect(byId.get('SCORE_BASELINE')).toBe(50);
    expect(byId.has('STATISTICAL_SPAM')).toBe(false);
    const classifierPoints = byId.get('STATISTICAL_HAM') as number;
    expect(classifierPoints).toBeLessThan(0);
    // Together they are the statistical part of the score as the combination defines it.
    expect(50 + classifierPoints).toBeCloseTo(
      statisticalPoints(model.combination as Combination, 'normal', logit),
      5,
    );
    const sum = result.reasons.reduce((total, r) => total + r.score, 0);
    expect(result.score).toBe(Math.min(100, Math.max(0, Math.round(sum))));
  });

  it('keeps a test signal positive even when the classifier is sure the message is ham', async () => {
    const model = await trainSmallModel();
    const gtubeInHam = `${(HAM_MESSAGES[0] as string).trimEnd()}\n${GTUBE_STRING}\n`;
    const result = scanParsedMessage(await parse(gtubeInHam), {}, { ...thresholds, model });
    expect(result).toMatchObject({ score: 100, verdict: 'positive' });
  });

  it('records a failing classifier as RULE_ERROR and still returns a verdict', async () => {
    const broken = {
      version: 'broken',
      get hashes(): Uint32Array {
        throw new Error('corrupt model');
      },
    } as unknown as StatisticalModel;
    const result = scanParsedMessage(
      await parse('Subject: x\n\nhello world\n'),
      {},
      { ...thresholds, model: broken, rules: [] },
    );
    expect(result).toMatchObject({ score: 0, verdict: 'clean' });
    expect(result.reasons[0]).toMatchObject({ id: 'RULE_ERROR', evidence: 'corrupt model' });
  });

  it('scores without the classifier when no model is given', async () => {
    const result = scanParsedMessage(await parse(SPAM_MESSAGES[0] as string), {}, thresholds);
    expect(result.engineVersion).toBe(RULES_VERSION);
    expect(result.reasons.map((r) => r.group)).not.toContain('statistical');
    // The rules still score, with their default points.
    expect(result.reasons.find((r) => r.id === 'URI_IP_HOST')).toMatchObject({ score: 15, group: 'uri' });
  });

  it('reads an mbox "From " envelope line as no header, keeping the headers below it', async () => {
    const model = await trainSmallModel();
    const raw = Buffer.from(`From someone@example.org  Thu Aug 22 12:36:23 2002\n${SPAM_MESSAGES[1]}`);
    const { result, message } = await scanRawMessage(raw, {}, { ...thresholds, model });
    expect(message?.subject).toBe('You have WON $1,000,000');
    expect(message?.header.fields[0]).toMatchObject({ key: 'from', start: raw.indexOf('From: ') });
    expect(result.verdict).not.toBe('unscannable');
  });
});
