import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../../../../functions/adapters/load-model.ts';
import {
  deserializeModel,
  hashToken,
  MODEL_FORMAT,
  MODEL_FORMAT_SINGLE,
  ModelFormatError,
  serializeModel,
  weightOf,
} from '../../../../functions/core/scan/statistical/model.ts';
import { trainSmallModel, trainSplitModel } from './fixtures.ts';

const ARTIFACT = join(import.meta.dirname, '../../../../functions/core/scan/model/graywall-model.json');

describe('the model artifact', () => {
  it('survives a round trip through serializeModel, JSON and deserializeModel unchanged', async () => {
    // Prepare
    const model = await trainSmallModel();
    // Act
    const back = deserializeModel(JSON.stringify(serializeModel(model, { note: 'test' })));
    // Assess
    expect(back.version).toBe(model.version);
    expect(back.bias).toBe(model.bias);
    expect(back.normTokens).toBe(model.normTokens);
    expect(back.calibration).toEqual(model.calibration);
    expect([...back.hashes]).toEqual([...model.hashes]);
    expect([...back.weights]).toEqual([...model.weights]);
  });

  it('keeps the header classifier and its weight in the combination through a round trip (format 2)', async () => {
    // Prepare
    const model = await trainSplitModel();
    // Act
    const serialized = serializeModel(model);
    const back = deserializeModel(JSON.stringify(serialized));
    // Assess
    expect(serialized.format).toBe(MODEL_FORMAT);
    expect(serializeModel(await trainSmallModel()).format).toBe(MODEL_FORMAT_SINGLE);
    expect(back.header?.bias).toBe(model.header?.bias);
    expect(back.header?.normTokens).toBe(model.header?.normTokens);
    expect([...(back.header?.hashes ?? [])]).toEqual([...(model.header?.hashes ?? [])]);
    expect([...(back.header?.weights ?? [])]).toEqual([...(model.header?.weights ?? [])]);
    expect(back.combination?.headerWeight).toBe(model.combination?.headerWeight);
    expect(back.version).toBe(model.version);
  });

  it('rejects a header classifier in the wrong format, or without its weight in the combination', async () => {
    const split = serializeModel(await trainSplitModel());
    const single = serializeModel(await trainSmallModel());
    const { header: _header, ...withoutHeader } = split;
    expect(() => deserializeModel(withoutHeader)).toThrow(/needs a header classifier/);
    expect(() => deserializeModel({ ...single, header: split.header })).toThrow(/needs the newer format/);
    const { headerWeight: _weight, ...combination } = split.combination ?? {};
    expect(() => deserializeModel({ ...split, combination })).toThrow(/headerWeight must be set exactly/);
    expect(() => deserializeModel({ ...split, header: { ...split.header, features: 1 } })).toThrow(
      /model header arrays do not hold/,
    );
    expect(() => deserializeModel({ ...split, header: { ...split.header, bias: null } })).toThrow(
      /header\.bias must be a finite number/,
    );
  });

  it('looks weights up by token hash and gives 0 for an unknown token', async () => {
    const model = await trainSmallModel();
    const i = Math.floor(model.hashes.length / 2);
    expect(weightOf(model, model.hashes[i] as number)).toBe(model.weights[i]);
    const unknown = [...Array(1000).keys()].find((n) => !model.hashes.includes(n)) as number;
    expect(weightOf(model, unknown)).toBe(0);
  });

  it('hashes tokens with 32-bit FNV-1a, the same on every machine', () => {
    expect(hashToken('')).toBe(0x811c9dc5);
    expect(hashToken('a')).toBe(0xe40c292c);
    expect(hashToken('foobar')).toBe(0xbf9cf968);
  });

  it('rejects a broken artifact with a ModelFormatError that says what is wrong', async () => {
    const good = serializeModel(await trainSmallModel());
    const broken = (patch: object): unknown => ({ ...good, ...patch });
    expect(() => deserializeModel('{not json')).toThrow(ModelFormatError);
    expect(() => deserializeModel(broken({ format: 'other/9' }))).toThrow(/format is other\/9/);
    expect(() => deserializeModel(broken({ bias: 'x' }))).toThrow(/bias must be a finite number/);
    expect(() => deserializeModel(broken({ features: good.features + 1 }))).toThrow(/do not hold/);
    expect(() => deserializeModel(broken({ hashes: '!!!' }))).toThrow(/base64/);
    expect(() =>
      deserializeModel(broken({ calibration: { suspectLogit: 2, positiveLogit: 1, minScore: 0 } })),
    ).toThrow(/positiveLogit must be above/);
    const twoFeatures = { ...good, features: 2, weights: Buffer.alloc(8).toString('base64') };
    const descending = Buffer.alloc(8);
    descending.writeUInt32LE(5, 0);
    descending.writeUInt32LE(3, 4);
    expect(() => deserializeModel({ ...twoFeatures, hashes: descending.toString('base64') })).toThrow(
      /strictly ascending/,
    );
  });

  it('ships a committed artifact that loads, is versioned and stays under 3 MB', () => {
    const text = readFileSync(ARTIFACT, 'utf8');
    const model = deserializeModel(text);
    expect(JSON.parse(text).format).toBe(MODEL_FORMAT);
    expect(model.version).toMatch(/^stat2-[0-9a-f]{8}$/);
    expect(model.hashes.length).toBeGreaterThan(1000);
    expect(model.header?.hashes.length).toBeGreaterThan(1000);
    expect(model.combination?.headerWeight).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(3 * 1024 * 1024);
  });

  it('is read from disk once per path by the adapter, which hands back the same object after that', () => {
    const first = loadModelFile();
    expect(loadModelFile(DEFAULT_MODEL_PATH)).toBe(first);
    expect(first.version).toBe(deserializeModel(readFileSync(ARTIFACT, 'utf8')).version);
    expect(() => loadModelFile(join(import.meta.dirname, 'no-such-model.json'))).toThrow(/ENOENT/);
  });
});
