import { describe, expect, it } from 'vitest';
import {
  appendedCount,
  type TrainingDocument,
} from '../../../../functions/core/scan/statistical/fit-model.ts';
import { tokenizeMessage } from '../../../../functions/core/scan/statistical/tokenize.ts';
import {
  DEFAULT_TRAIN_OPTIONS,
  fitLogistic,
  type HashedExample,
  hashExamples,
} from '../../../../functions/core/scan/statistical/train.ts';
import { HAM_MESSAGES, parseAll, SPAM_MESSAGES } from './fixtures.ts';

const options = { ...DEFAULT_TRAIN_OPTIONS, minDocs: 1, epochs: 8 };

async function examples(): Promise<HashedExample[]> {
  const spam = await parseAll(SPAM_MESSAGES);
  const ham = await parseAll(HAM_MESSAGES);
  return hashExamples([
    ...spam.map((m) => ({ tokens: tokenizeMessage(m), spam: true })),
    ...ham.map((m) => ({ tokens: tokenizeMessage(m), spam: false })),
  ]);
}

/** Examples that teach nothing: no tokens and no loss weight (the SGD step is zero). */
const inert = (n: number): HashedExample[] =>
  Array.from({ length: n }, () => ({ hashes: new Uint32Array(), tokenCount: 0, spam: true, weight: 0 }));

describe('fitting with appended examples (a retrain adding submissions)', () => {
  it('is the ordinary fit when nothing is appended', async () => {
    const base = await examples();
    expect(fitLogistic(base, options, 0)).toEqual(fitLogistic(base, options));
  });

  it('visits the other examples in the order it would without them: appending what teaches nothing changes nothing', async () => {
    const base = await examples();
    const plain = fitLogistic(base, options);
    expect(fitLogistic([...base, ...inert(3)], options, 3)).toEqual(plain);
    // Without the appended count the same examples reshuffle every visit, and the fit moves.
    expect(fitLogistic([...base, ...inert(3)], options)).not.toEqual(plain);
  });

  it('learns from what is appended', async () => {
    const base = await examples();
    const extra = base.slice(0, 2).map((example) => ({ ...example, weight: 3 }));
    expect(fitLogistic([...base, ...extra], options, 2)).not.toEqual(fitLogistic(base, options));
  });

  it('refuses an appended count larger than the examples', async () => {
    expect(() => fitLogistic(inert(2), options, 3)).toThrow(RangeError);
  });
});

describe('appended training documents', () => {
  const doc = (appended?: boolean): TrainingDocument => ({
    example: { hashes: new Uint32Array(), tokenCount: 0, spam: false },
    headerExample: { hashes: new Uint32Array(), tokenCount: 0, spam: false },
    kind: 'easy-ham',
    fold: 0,
    fired: [],
    ...(appended === undefined ? {} : { appended }),
  });

  it('are counted when they all come last, and refused anywhere else', () => {
    expect(appendedCount([doc(), doc(), doc(true), doc(true)])).toBe(2);
    expect(appendedCount([doc(), doc(false)])).toBe(0);
    expect(() => appendedCount([doc(), doc(true), doc()])).toThrow(/after all the others/);
  });
});
