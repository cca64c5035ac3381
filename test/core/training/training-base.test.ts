import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../../../functions/adapters/load-model.ts';
import {
  DEFAULT_TRAINING_BASE_PATH,
  loadTrainingBaseFile,
} from '../../../functions/adapters/training-base-file.ts';
import { RULES_VERSION } from '../../../functions/core/scan/rules/index.ts';
import {
  decodeTrainingBase,
  encodeTrainingBase,
  type TrainingBase,
  TrainingBaseFormatError,
} from '../../../functions/core/training/training-base.ts';

const options = {
  l2: 1e-4,
  epochs: 12,
  learningRate: 0.1,
  hamWeight: 1,
  minDocs: 2,
  normTokens: 100,
  pruneBelow: 1e-3,
  seed: 20021,
  ensemble: 1,
};

const recipe: TrainingBase['recipe'] = {
  classifier: { options, hardHamWeight: 3 },
  header: { options: { ...options, normTokens: 50 }, hardHamWeight: 6 },
  layer: { l2: 3, logitClamp: 16, hardHamWeight: 10 },
  minSupport: 5,
  series: 'stat2',
};

const tokens = (hashes: readonly number[], tokenCount: number) => ({
  hashes: Uint32Array.from(hashes),
  tokenCount,
});

const tiny: Omit<TrainingBase, 'format'> = {
  rulesVersion: 'rules-test',
  modelVersion: 'stat2-00000000',
  recipe,
  corpus: 'two messages',
  vocabulary: {
    content: Uint32Array.from([7, 300, 70_000, 4_000_000_000]),
    header: Uint32Array.from([9, 300, 5_000]),
  },
  documents: [
    {
      kind: 'spam',
      heldOut: false,
      fold: 3,
      content: tokens([7, 70_000], 5),
      header: tokens([9, 5_000], 3),
      rules: ['HTML_ONLY', 'URI_IP_HOST'],
    },
    {
      kind: 'hard-ham',
      heldOut: true,
      fold: 0,
      content: tokens([300, 4_000_000_000], 2),
      header: tokens([300], 1),
      rules: [],
    },
  ],
};

describe('the training base format', () => {
  it('round-trips documents with their tokens of each part, the vocabularies and the recipe', () => {
    const decoded = decodeTrainingBase(encodeTrainingBase(tiny));
    expect(decoded).toEqual({ ...tiny, format: 'graywall-training-base/2' });
  });

  it("keeps only each part's vocabulary: a hash no other TRAIN message has in that part is dropped", () => {
    const withStray = {
      ...tiny,
      documents: [
        {
          ...(tiny.documents[0] as TrainingBase['documents'][number]),
          // 8 is in no vocabulary; 9 is a header hash, not a content one (and 7 the reverse).
          content: tokens([7, 8, 9, 70_000], 5),
          header: tokens([7, 8, 9], 3),
        },
      ],
    };
    const [decoded] = decodeTrainingBase(encodeTrainingBase(withStray)).documents;
    expect([...(decoded?.content.hashes ?? [])]).toEqual([7, 70_000]);
    expect([...(decoded?.header.hashes ?? [])]).toEqual([9]);
    expect([decoded?.content.tokenCount, decoded?.header.tokenCount]).toEqual([5, 3]);
  });

  it('refuses bytes that are not a whole, valid training base', () => {
    const bytes = encodeTrainingBase(tiny);
    expect(() => decodeTrainingBase(Buffer.from('not a base'))).toThrow(TrainingBaseFormatError);
    expect(() => decodeTrainingBase(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => decodeTrainingBase(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing bytes/);
    const header = JSON.stringify({
      format: 'graywall-training-base/2',
      rulesVersion: 'r',
      modelVersion: 'm',
      corpus: 'c',
      ruleIds: [],
    });
    const headerOnly = (text: string) => {
      const json = Buffer.from(text);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(json.length);
      return Buffer.concat([Buffer.from('GWTBASE1'), length, json, Buffer.from([0, 0])]);
    };
    expect(() => decodeTrainingBase(headerOnly(header))).toThrow(/recipe is incomplete/);
    const { header: _header, ...oneClassifier } = recipe;
    const withoutHeaderPoint = JSON.stringify({ ...JSON.parse(header), recipe: oneClassifier });
    expect(() => decodeTrainingBase(headerOnly(withoutHeaderPoint))).toThrow(/recipe is incomplete/);
    // A base of the one-classifier format (before the header classifier) is refused by name.
    const older = JSON.stringify({ ...JSON.parse(header), format: 'graywall-training-base/1', recipe });
    expect(() => decodeTrainingBase(headerOnly(older))).toThrow(/format must be graywall-training-base\/2/);
    expect(() => decodeTrainingBase(headerOnly('{'))).toThrow(/header is not JSON/);
    // The last document ends [header part: token count, n, 1 index delta; rule count]: claim 9 tokens.
    const tooMany = Buffer.from(bytes);
    tooMany[tooMany.length - 3] = 9;
    expect(() => decodeTrainingBase(tooMany)).toThrow(/document 1: too many tokens/);
    // ... or a rule the header does not list.
    const badRule = Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from([1, 5])]);
    expect(() => decodeTrainingBase(badRule)).toThrow(/document 1: rule out of range/);
  });
});

describe('the shipped training base', () => {
  const base = loadTrainingBaseFile();

  it('was made by `npm run train` with the shipped model, for the running rules', () => {
    expect(base.modelVersion).toBe(loadModelFile().version);
    expect(base.rulesVersion).toBe(RULES_VERSION);
    const training = JSON.parse(readFileSync(DEFAULT_MODEL_PATH, 'utf8')).training;
    expect(base.recipe).toEqual({
      classifier: { options: training.options, hardHamWeight: training.hardHamWeight },
      header: training.header,
      layer: training.combinationLayer.options,
      minSupport: training.combinationLayer.minSupport,
      series: 'stat2',
    });
  });

  it('holds the corpus split of shared/CORPUS.md: TRAIN to train on, TEST held out', () => {
    const count = (heldOut: boolean, kind: string) =>
      base.documents.filter((d) => d.heldOut === heldOut && d.kind === kind).length;
    expect([count(false, 'spam'), count(false, 'easy-ham'), count(false, 'hard-ham')]).toEqual([
      1517, 3120, 200,
    ]);
    expect([count(true, 'spam'), count(true, 'easy-ham'), count(true, 'hard-ham')]).toEqual([379, 780, 50]);
    for (const doc of base.documents) expect(doc.fold).toBeLessThan(5);
  });

  it('stays modest: under 3 MB on disk, and decodes in well under a second', () => {
    expect(statSync(DEFAULT_TRAINING_BASE_PATH).size).toBeLessThan(3 * 1024 * 1024);
    const started = performance.now();
    decodeTrainingBase(gunzipSync(readFileSync(DEFAULT_TRAINING_BASE_PATH)));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
