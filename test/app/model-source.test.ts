import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ModelSource, withCurrentModel } from '../../functions/app/model-source.ts';
import type { CurrentModel, ModelStore } from '../../functions/app/model-versions.ts';
import type { PipelineDeps } from '../../functions/app/stage-deps.ts';
import { NotFoundError } from '../../functions/core/errors.ts';
import { type StatisticalModel, serializeModel } from '../../functions/core/scan/statistical/model.ts';
import { createStageHandler } from '../../functions/handlers/sqs-stage-handler.ts';
import { memoryLogger, testConfig } from '../support/gateway-harness.ts';

/** A small valid model; `bias` makes versions tell apart by more than their name. */
function model(version: string, bias = 0): StatisticalModel {
  return {
    version,
    bias,
    hashes: Uint32Array.of(11, 22, 33),
    weights: Float32Array.of(0.5, -0.25, 1),
    normTokens: 100,
    calibration: { suspectLogit: 1, positiveLogit: 3, minScore: -10 },
  };
}

const artifact = (m: StatisticalModel): string => JSON.stringify(serializeModel(m));

/** The store's pointer and artifacts in memory, counting the reads the source makes. */
function memoryStore() {
  const artifacts = new Map<string, string>();
  let pointer: CurrentModel | undefined;
  let failPointer: Error | undefined;
  const reads = { pointer: 0, artifact: 0 };
  const store: Pick<ModelStore, 'current' | 'getArtifact'> = {
    async current() {
      reads.pointer += 1;
      if (failPointer) throw failPointer;
      return pointer;
    },
    async getArtifact(version) {
      reads.artifact += 1;
      const text = artifacts.get(version);
      if (text === undefined) throw new NotFoundError(`model version ${version} has no artifact`);
      return text;
    },
  };
  return {
    store,
    reads,
    artifacts,
    point(version: string | undefined) {
      pointer = version
        ? { version, promotedAt: '2026-11-25T12:00:00.000Z', promotedBy: 'retrain job' }
        : undefined;
    },
    failPointerWith(error: Error | undefined) {
      failPointer = error;
    },
  };
}

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-11-25T12:00:00Z')) {
  let now = start;
  return {
    clock: { now: () => new Date(now) },
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

function setup(refreshSeconds = 300) {
  const bundled = model('stat1-bundled');
  const memory = memoryStore();
  const time = manualClock();
  const { log, lines } = memoryLogger();
  const source = new ModelSource({ store: memory.store, bundled, clock: time.clock, log, refreshSeconds });
  const errors = () => lines.filter((line) => line.level === 'error');
  return { bundled, memory, time, source, lines, errors };
}

describe('ModelSource', () => {
  it('serves the bundled model while no version is promoted (no pointer stored)', async () => {
    const { source, bundled, memory, errors } = setup();

    const active = await source.current();

    expect(active.model).toBe(bundled);
    expect(active.source).toBe('bundled');
    expect(active.pointer).toBeUndefined();
    expect(memory.reads).toEqual({ pointer: 1, artifact: 0 });
    expect(errors()).toEqual([]);
  });

  it('re-reads the pointer only once refreshSeconds have passed on the clock', async () => {
    const { source, bundled, memory, time } = setup(300);
    await source.current();
    memory.artifacts.set('stat1-second', artifact(model('stat1-second', 2)));
    memory.point('stat1-second');

    time.advance(299);
    const early = await source.current();
    time.advance(1);
    const due = await source.current();

    expect(early.model).toBe(bundled);
    expect(due.model.version).toBe('stat1-second');
    expect(due.model.bias).toBe(2);
    expect(due.source).toBe('promoted');
    expect(due.pointer?.promotedBy).toBe('retrain job');
    expect(memory.reads).toEqual({ pointer: 2, artifact: 1 });
  });

  it('keeps the decoded artifact: a later check that finds the same version downloads nothing', async () => {
    const { source, memory, time } = setup(60);
    memory.artifacts.set('stat1-second', artifact(model('stat1-second', 2)));
    memory.point('stat1-second');
    const first = await source.current();

    time.advance(60);
    const again = await source.current();
    time.advance(60);
    await source.current();

    expect(again.model).toBe(first.model);
    expect(memory.reads).toEqual({ pointer: 3, artifact: 1 });
  });

  it('reads the pointer once for concurrent callers', async () => {
    const { source, memory } = setup();

    const all = await Promise.all([source.current(), source.current(), source.current()]);

    expect(new Set(all.map((a) => a.model)).size).toBe(1);
    expect(memory.reads.pointer).toBe(1);
  });

  it('keeps serving the last good model when the named artifact is invalid, logs it, and retries only after refreshSeconds', async () => {
    const { source, memory, time, errors } = setup(300);
    memory.artifacts.set('stat1-good', artifact(model('stat1-good', 1)));
    memory.point('stat1-good');
    await source.current();
    memory.artifacts.set('stat1-broken', '{"format":"graywall-statistical/1","version":"stat1-broken"');
    memory.point('stat1-broken');

    time.advance(300);
    const afterBadPromotion = await source.current();
    time.advance(10);
    const soonAfter = await source.current();

    expect(afterBadPromotion.model.version).toBe('stat1-good');
    expect(afterBadPromotion.source).toBe('promoted');
    expect(soonAfter.model.version).toBe('stat1-good');
    expect(memory.reads).toEqual({ pointer: 2, artifact: 2 });
    expect(errors()).toEqual([
      expect.objectContaining({
        message: 'could not load the current model version: still scanning with the last good model',
        wanted: 'stat1-broken',
        using: 'stat1-good',
      }),
    ]);

    // Fixed in the store: the next check after the interval picks it up.
    memory.artifacts.set('stat1-broken', artifact(model('stat1-broken', 3)));
    time.advance(300);
    expect((await source.current()).model.version).toBe('stat1-broken');
  });

  it('keeps the bundled model when the named version has no artifact stored', async () => {
    const { source, bundled, memory, errors } = setup();
    memory.point('stat1-missing');

    const active = await source.current();

    expect(active.model).toBe(bundled);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]?.error).toMatchObject({ name: 'NotFoundError' });
  });

  it('refuses an artifact that holds another version than the pointer names', async () => {
    const { source, bundled, memory, errors } = setup();
    memory.artifacts.set('stat1-claimed', artifact(model('stat1-other')));
    memory.point('stat1-claimed');

    const active = await source.current();

    expect(active.model).toBe(bundled);
    expect(errors()[0]?.error).toMatchObject({
      name: 'ModelFormatError',
      message: 'the artifact stored for stat1-claimed holds model version stat1-other',
    });
  });

  it('keeps the last good model when the pointer cannot be read (an S3 outage)', async () => {
    const { source, memory, time, errors } = setup(300);
    memory.artifacts.set('stat1-good', artifact(model('stat1-good', 1)));
    memory.point('stat1-good');
    await source.current();
    memory.failPointerWith(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));

    time.advance(300);
    const active = await source.current();

    expect(active.model.version).toBe('stat1-good');
    expect(errors()).toHaveLength(1);
  });

  it.each([
    ['"bundled" (a rollback to it)', 'bundled'],
    ['the bundled model’s own version', 'stat1-bundled'],
  ])('goes back to the bundled model when the pointer names %s, reading no artifact', async (_, named) => {
    const { source, bundled, memory, time, errors } = setup(300);
    memory.artifacts.set('stat1-second', artifact(model('stat1-second', 2)));
    memory.point('stat1-second');
    await source.current();
    memory.point(named);

    time.advance(300);
    const active = await source.current();

    expect(active.model).toBe(bundled);
    expect(active.source).toBe('bundled');
    expect(active.pointer?.version).toBe(named);
    expect(memory.reads.artifact).toBe(1);
    expect(errors()).toEqual([]);
  });
});

describe('withCurrentModel', () => {
  it('puts the current model into the deps, and leaves deps without a model source alone', async () => {
    const { source, memory } = setup();
    memory.artifacts.set('stat1-second', artifact(model('stat1-second', 2)));
    memory.point('stat1-second');
    const deps = { model: source.bundled, modelSource: source } as unknown as PipelineDeps;
    const plain = { model: undefined } as unknown as PipelineDeps;

    expect((await withCurrentModel(deps)).model?.version).toBe('stat1-second');
    expect(deps.model?.version).toBe('stat1-bundled');
    expect(await withCurrentModel(plain)).toBe(plain);
  });
});

describe('the SQS stage wrapper', () => {
  const context = { awsRequestId: 'aws-req' } as Context;
  const event: SQSEvent = {
    Records: [{ messageId: 'm1', body: '{}', attributes: { ApproximateReceiveCount: '1' } }],
  } as SQSEvent;

  function stageDeps() {
    const { source, memory, time, bundled } = setup(300);
    const { log } = memoryLogger();
    const deps = {
      config: testConfig(),
      log,
      clock: time.clock,
      model: bundled,
      modelSource: source,
    } as unknown as PipelineDeps;
    return { deps, memory, time };
  }

  it('gives a scanning stage the current model for each batch', async () => {
    const { deps, memory, time } = stageDeps();
    const seen: Array<string | undefined> = [];
    const handler = createStageHandler(() => deps, {
      stage: 'scan',
      parse: () => ({}),
      messageIdOf: () => 'm1',
      locationOf: () => ({ bucket: 'b', key: 'k' }),
      run: async (batchDeps) => seen.push(batchDeps.model?.version),
      usesModel: true,
    });

    await handler(event, context);
    memory.artifacts.set('stat1-second', artifact(model('stat1-second', 2)));
    memory.point('stat1-second');
    time.advance(300);
    await handler(event, context);

    expect(seen).toEqual(['stat1-bundled', 'stat1-second']);
  });

  it('does not touch the model store for a stage that scans nothing', async () => {
    const { deps, memory } = stageDeps();
    const handler = createStageHandler(() => deps, {
      stage: 'graymail',
      parse: () => ({}),
      messageIdOf: () => 'm1',
      locationOf: () => ({ bucket: 'b', key: 'k' }),
      run: async () => undefined,
    });

    await handler(event, context);

    expect(memory.reads.pointer).toBe(0);
  });
});
