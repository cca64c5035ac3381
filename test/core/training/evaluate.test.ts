import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../../functions/adapters/load-model.ts';
import { parseMessage } from '../../../functions/core/mime/parse-message.ts';
import { GTUBE_STRING } from '../../../functions/core/scan/rules/gtube.ts';
import { type ScanSettings, scanParsedMessage } from '../../../functions/core/scan/scan-message.ts';
import {
  evaluateModel,
  type HeldOutExample,
  type ScoringSettings,
  scoreExample,
} from '../../../functions/core/training/evaluate.ts';
import { extractMessageFeatures } from '../../../functions/core/training/message-features.ts';
import { invoiceMessage, scamMessage } from '../../support/training-mail.ts';
import { trainSmallModel } from '../scan/statistical/fixtures.ts';

const model = loadModelFile();
const FIXTURES = join(import.meta.dirname, '../../fixtures/graymail');
const messages: Buffer[] = [
  ...readdirSync(FIXTURES).flatMap((category) =>
    readdirSync(join(FIXTURES, category)).map((name) => readFileSync(join(FIXTURES, category, name))),
  ),
  scamMessage(0),
  scamMessage(5),
  invoiceMessage(3),
  Buffer.from(`From: a@example.org\r\nTo: b@example.com\r\nSubject: test\r\n\r\n${GTUBE_STRING}\r\n`),
];

/** The scan's score for raw bytes, as the scan stage computes it (no SES verdicts, no clock). */
async function scanScore(raw: Buffer, settings: ScoringSettings, scored = model): Promise<number> {
  const scan: ScanSettings = { ...settings, model: scored };
  return scanParsedMessage(await parseMessage(raw), {}, scan, { raw }).score;
}

describe('scoring held-out messages from their features', () => {
  it.each<[string, ScoringSettings]>([
    ['the default settings', { suspectThreshold: 50, positiveThreshold: 90 }],
    ['the aggressive profile', { suspectThreshold: 50, positiveThreshold: 90, profile: 'aggressive' }],
    [
      'rule score overrides and a configured composite',
      {
        suspectThreshold: 40,
        positiveThreshold: 80,
        ruleScores: { HTML_ONLY: 20, RECEIVED_NO_RDNS: 0 },
        composites: [
          {
            id: 'LIST_AND_HTML',
            description: 'test',
            score: 7,
            allOf: ['HTML_ONLY'],
            anyOf: ['URI_NOT_FROM_DOMAIN'],
          },
        ],
      },
    ],
  ])('gives the score the scan gives the message itself, under %s', async (_name, settings) => {
    expect(messages.length).toBeGreaterThan(70);
    for (const raw of messages) {
      const features = await extractMessageFeatures(raw);
      expect(scoreExample(model, features, settings)).toBe(await scanScore(raw, settings));
    }
  });

  it('weighs both parts together under a model of one classifier (an older version still in service)', async () => {
    const single = await trainSmallModel();
    expect(single.header).toBeUndefined();
    const settings = { suspectThreshold: 50, positiveThreshold: 90 };
    for (const raw of messages) {
      const features = await extractMessageFeatures(raw);
      expect(scoreExample(single, features, settings)).toBe(await scanScore(raw, settings, single));
    }
  });

  it('counts recall and false positives per kind at the thresholds, a score at a threshold reaching it', async () => {
    const example = async (raw: Buffer, kind: HeldOutExample['kind']) => ({
      kind,
      ...(await extractMessageFeatures(raw)),
    });
    const gtube = messages.at(-1) as Buffer;
    const scam = await example(scamMessage(0), 'spam');
    const threshold = scoreExample(model, scam, { suspectThreshold: 50, positiveThreshold: 90 });
    const evaluation = evaluateModel(
      model,
      [
        await example(gtube, 'spam'),
        scam,
        await example(invoiceMessage(1), 'easy-ham'),
        await example(gtube, 'hard-ham'),
      ],
      // The scam's own score as the suspect threshold: it counts as caught.
      { suspectThreshold: threshold, positiveThreshold: 99 },
    );
    expect(evaluation).toEqual({
      spam: 2,
      ham: 1,
      hardHam: 1,
      recallSuspect: 1,
      recallPositive: 0.5,
      falsePositiveRate: 0,
      hardHamFalsePositiveRate: 1,
    });
    expect(evaluateModel(model, [], { suspectThreshold: 50, positiveThreshold: 90 })).toMatchObject({
      spam: 0,
      recallSuspect: 0,
      falsePositiveRate: 0,
    });
  });
});
