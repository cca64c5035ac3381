import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../functions/adapters/load-model.ts';
import { loadTrainingBaseFile } from '../../functions/adapters/training-base-file.ts';
import type { CurrentModel, ModelStore, ModelVersionRecord } from '../../functions/app/model-versions.ts';
import type { RetrainRequest, SubmissionStore, TrainingBaseSource } from '../../functions/app/ports.ts';
import { type RetrainDeps, requestRetrain, runRetrain } from '../../functions/app/retrain.ts';
import type { PipelineDeps } from '../../functions/app/stage-deps.ts';
import { listSubmissions } from '../../functions/app/submissions.ts';
import { ConfigError, NotFoundError } from '../../functions/core/errors.ts';
import { deserializeModel } from '../../functions/core/scan/statistical/model.ts';
import type { Submission, SubmissionCategory } from '../../functions/core/submissions/submission.ts';
import { memoryLogger, testConfig } from '../support/gateway-harness.ts';
import { invoiceMessage, SCAM_CAMPAIGN_SIZE, scamMessage, submissionIds } from '../support/training-mail.ts';

/**
 * The retraining use case over in-memory stores and the shipped training base: what it builds,
 * stores and promotes, and when it builds nothing.
 */
const bundled = loadModelFile();
const schedule: RetrainRequest = { requestedBy: 'schedule' };

function memoryModels() {
  const artifacts = new Map<string, string>();
  const records = new Map<string, ModelVersionRecord>();
  let pointer: CurrentModel | undefined;
  const calls: string[] = [];
  const store: ModelStore = {
    async putVersion(record, artifact) {
      calls.push(`putVersion ${record.version} ${record.status}`);
      artifacts.set(record.version, artifact);
      records.set(record.version, record);
    },
    async getArtifact(version) {
      const text = artifacts.get(version);
      if (text === undefined) throw new NotFoundError(`model version ${version} has no artifact`);
      return text;
    },
    async getRecord(version) {
      return records.get(version);
    },
    async updateRecord(record) {
      calls.push(`updateRecord ${record.version} ${record.status}`);
      records.set(record.version, record);
    },
    async listVersions() {
      return [...records.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    },
    async current() {
      return pointer;
    },
    async setCurrent(next) {
      calls.push(`setCurrent ${next.version}`);
      pointer = next;
    },
  };
  return { store, artifacts, records, calls, pointer: () => pointer };
}

function memorySubmissions() {
  const stored = new Map<string, { submission: Submission; raw: Buffer }>();
  const store: SubmissionStore = {
    async put(submission, raw) {
      stored.set(submission.id, { submission, raw: Buffer.from(raw) });
    },
    async get(id) {
      return stored.get(id)?.submission;
    },
    async raw(id) {
      const entry = stored.get(id);
      if (!entry) throw new NotFoundError(`submission ${id} has no stored message`);
      return entry.raw;
    },
    async list() {
      return { items: [...stored.values()].map((s) => s.submission).reverse() };
    },
    async ids() {
      return [...stored.keys()].sort();
    },
    async updateRecord(submission) {
      const entry = stored.get(submission.id);
      if (entry) stored.set(submission.id, { ...entry, submission });
    },
  };
  const file = async (id: string, category: SubmissionCategory, raw: Buffer, withDigest = false) =>
    store.put(
      {
        id,
        category,
        source: 'admin',
        submittedBy: 'arn:aws:iam::111122223333:user/admin',
        submittedAt: '2026-11-20T10:00:00.000Z',
        size: raw.length,
        ...(withDigest ? { digest: createHash('sha256').update(raw).digest('hex') } : {}),
      },
      raw,
    );
  return { store, file };
}

function setup(promotion: 'manual' | 'automatic' = 'automatic') {
  const models = memoryModels();
  const submissions = memorySubmissions();
  const { log, lines } = memoryLogger();
  let baseLoads = 0;
  const trainingBase: TrainingBaseSource = {
    async load() {
      baseLoads += 1;
      return loadTrainingBaseFile();
    },
  };
  const deps: RetrainDeps = {
    config: testConfig({ model: { promotion } }),
    models: models.store,
    submissions: submissions.store,
    trainingBase,
    bundledModel: bundled,
    clock: { now: () => new Date('2026-11-29T03:00:00.000Z') },
    log,
  };
  return { deps, models, submissions, lines, baseLoads: () => baseLoads };
}

describe('a retraining run with nothing new', () => {
  it('builds nothing when there are no submissions, and does not even read the training base', async () => {
    const { deps, models, baseLoads } = setup();
    const outcome = await runRetrain(deps, schedule);
    expect(outcome).toEqual({
      status: 'nothing-new',
      current: bundled.version,
      reason: `no new submissions to train on since ${bundled.version} (0 to train on, 0 held out for evaluation, 0 graymail reports (not for the spam model))`,
      submissions: { eligible: 0, trainable: 0, heldOut: 0, graymailOnly: 0 },
    });
    expect(models.calls).toEqual([]);
    expect(baseLoads()).toBe(0);
  });

  it('builds nothing from graymail reports alone: they do not train the spam model', async () => {
    const { deps, submissions, models } = setup();
    await submissions.file(submissionIds(false, 1)[0] as string, 'missed-marketing', invoiceMessage(1));
    await submissions.file(submissionIds(true, 1)[0] as string, 'not-marketing', invoiceMessage(2));
    const outcome = await runRetrain(deps, schedule);
    expect(outcome).toMatchObject({
      status: 'nothing-new',
      submissions: { eligible: 0, trainable: 0, heldOut: 0, graymailOnly: 2 },
    });
    expect(models.calls).toEqual([]);
  });

  it('builds nothing when these exact submissions were trained on before (a refused version)', async () => {
    const { deps, submissions, models, baseLoads } = setup();
    const ids = submissionIds(false, 2);
    for (const id of ids) await submissions.file(id, 'missed-spam', scamMessage(0));
    await models.store.putVersion(
      {
        version: 'stat1-0badc0de',
        createdAt: '2026-11-22T03:00:00.000Z',
        createdBy: 'retrain job (schedule)',
        baseVersion: bundled.version,
        status: 'refused',
        statusReason: 'refused: more false positives on held-out ham',
        submissions: ids,
      },
      '{}',
    );
    models.calls.length = 0;
    const outcome = await runRetrain(deps, schedule);
    expect(outcome).toMatchObject({
      status: 'nothing-new',
      reason:
        'these 2 submissions were already trained on in stat1-0badc0de (refused: more false positives on held-out ham)',
    });
    expect(models.calls).toEqual([]);
    expect(baseLoads()).toBe(0);
  });
});

describe('a retraining run with new reports of missed spam', () => {
  it('stores the version, promotes it, marks the reports used, and builds nothing again until more arrive', async () => {
    // Prepare: eight reports of a scam campaign (six trained on, two held out) and a graymail one.
    const { deps, submissions, models, lines } = setup();
    const trained = submissionIds(false, SCAM_CAMPAIGN_SIZE - 2);
    const heldOut = submissionIds(true, 2);
    for (const [i, id] of [...trained, ...heldOut].entries())
      await submissions.file(id, i % 2 === 0 ? 'missed-spam' : 'missed-phishing', scamMessage(i));
    const newsletter = submissionIds(false, 1, '20261103')[0] as string;
    await submissions.file(newsletter, 'missed-marketing', invoiceMessage(9));

    // Act
    const outcome = await runRetrain(deps, schedule);

    // Assess: promoted, with its figures.
    expect(outcome.status).toBe('promoted');
    if (outcome.status !== 'promoted') return;
    expect(outcome).toMatchObject({
      current: bundled.version,
      trained,
      heldOut,
      skipped: [],
      submissions: { eligible: 8, trainable: 6, heldOut: 2, graymailOnly: 1 },
    });
    const { version } = outcome;
    expect(outcome.evaluation.falsePositiveRate).toBe(0);
    expect(outcome.evaluation.spam).toBe(381);
    // Stored as a candidate, then the pointer, then the record says promoted.
    expect(models.calls).toEqual([
      `putVersion ${version} candidate`,
      `setCurrent ${version}`,
      `updateRecord ${version} promoted`,
    ]);
    expect(models.pointer()).toEqual({
      version,
      promotedAt: '2026-11-29T03:00:00.000Z',
      promotedBy: 'retrain job',
      previous: bundled.version,
    });
    expect(models.records.get(version)).toEqual({
      version,
      createdAt: '2026-11-29T03:00:00.000Z',
      createdBy: 'retrain job (schedule)',
      baseVersion: bundled.version,
      status: 'promoted',
      statusReason: expect.stringMatching(
        /^promoted: no more false positives, .*; trained on 6 submissions \(6 spam, 0 not spam\), 2 held out$/,
      ),
      evaluation: outcome.evaluation,
      baselineEvaluation: outcome.baselineEvaluation,
      submissions: trained,
      heldOutSubmissions: heldOut,
    });
    expect(deserializeModel(models.artifacts.get(version) as string).version).toBe(version);
    expect(lines.find((line) => line.message === `retrain: ${version} promoted`)).toMatchObject({
      level: 'info',
      trained: 6,
      heldOut: 2,
    });

    // The reports now say what became of them.
    const listed = await listSubmissions(
      { submissions: deps.submissions, models: deps.models } as unknown as PipelineDeps,
      { since: '2026-11-01T00:00:00.000Z', until: '2026-11-30T00:00:00.000Z', limit: 50 },
    );
    const status = Object.fromEntries(listed.items.map((s) => [s.id, s.status]));
    for (const id of trained) expect(status[id]).toBe(`used in ${version}`);
    for (const id of heldOut) expect(status[id]).toBe(`held out in ${version}`);
    expect(status[newsletter]).toBe('received');

    // A second run: nothing new since the promoted version.
    models.calls.length = 0;
    const again = await runRetrain(deps, {
      requestedBy: 'update now by arn:aws:iam::111122223333:user/admin',
    });
    expect(again).toMatchObject({
      status: 'nothing-new',
      current: version,
      reason: `no new submissions to train on since ${version} (6 to train on, 2 held out for evaluation, 1 graymail reports (not for the spam model))`,
    });
    expect(models.calls).toEqual([]);
  });
});

describe('a retraining run under model.promotion: manual (the default)', () => {
  it('stores a version that passed the check as pending and leaves the model in service alone', async () => {
    const { deps, submissions, models } = setup('manual');
    const ids = submissionIds(false, SCAM_CAMPAIGN_SIZE);
    for (const [i, id] of ids.entries()) await submissions.file(id, 'missed-spam', scamMessage(i));

    const outcome = await runRetrain(deps, schedule);

    expect(outcome.status).toBe('pending');
    if (outcome.status !== 'pending') return;
    expect(await models.store.current()).toBeUndefined();
    expect(await models.store.getRecord(outcome.version)).toMatchObject({
      status: 'pending',
      statusReason: expect.stringMatching(
        new RegExp(
          `^pending: passed the held-out check \\(no more false positives.*graywall model promote ${outcome.version}\`$`,
        ),
      ),
    });
    // The next run builds it again only if something changed.
    expect(await runRetrain(deps, schedule)).toMatchObject({ status: 'nothing-new' });
  });
});

describe('a retraining run with the same message reported more than once', () => {
  it('trains on it once, and leaves out a message reported both as spam and as not spam', async () => {
    const { deps, submissions } = setup('manual');
    const campaign = submissionIds(false, SCAM_CAMPAIGN_SIZE);
    for (const [i, id] of campaign.entries()) await submissions.file(id, 'missed-spam', scamMessage(i), true);
    const [again, spamSaid, hamSaid] = submissionIds(false, 3, '20261104');
    await submissions.file(again as string, 'missed-phishing', scamMessage(0), true);
    await submissions.file(spamSaid as string, 'missed-spam', invoiceMessage(3), true);
    await submissions.file(hamSaid as string, 'not-spam', invoiceMessage(3), true);

    const outcome = await runRetrain(deps, schedule);

    if (outcome.status === 'nothing-new') throw new Error(outcome.reason);
    expect([...outcome.trained, ...outcome.heldOut].sort()).toEqual([...campaign].sort());
    expect(outcome.skipped).toEqual(
      expect.arrayContaining([
        { id: again, reason: `the same message as ${campaign[0]}: counted once` },
        {
          id: spamSaid,
          reason: `the same message was reported both as spam and as not spam (${spamSaid}, ${hamSaid}): left out`,
        },
        {
          id: hamSaid,
          reason: `the same message was reported both as spam and as not spam (${spamSaid}, ${hamSaid}): left out`,
        },
      ]),
    );
  });
});

describe('a retraining run after an admin withdrew a report', () => {
  it('trains without it: the pending version built with it is not built again', async () => {
    const { deps, submissions } = setup('manual');
    const ids = submissionIds(false, SCAM_CAMPAIGN_SIZE);
    for (const [i, id] of ids.entries()) await submissions.file(id, 'missed-spam', scamMessage(i));
    const [wrong] = submissionIds(false, 1, '20261105');
    await submissions.file(wrong as string, 'missed-spam', invoiceMessage(4));
    const first = await runRetrain(deps, schedule);
    if (first.status === 'nothing-new') throw new Error(first.reason);
    expect([...first.trained, ...first.heldOut]).toContain(wrong);

    const record = await submissions.store.get(wrong as string);
    await submissions.store.updateRecord({
      ...(record as Submission),
      withdrawn: { by: 'admin', at: '2026-11-29T04:00:00.000Z' },
    });
    const second = await runRetrain(deps, schedule);

    if (second.status === 'nothing-new') throw new Error(second.reason);
    expect([...second.trained, ...second.heldOut]).not.toContain(wrong);
    expect(second.version).not.toBe(first.version);
  });
});

describe('a retraining run whose only new report is held out', () => {
  it('builds nothing, and says the new report evaluates versions and trains none', async () => {
    const { deps, submissions } = setup('automatic');
    for (const [i, id] of submissionIds(false, SCAM_CAMPAIGN_SIZE).entries())
      await submissions.file(id, 'missed-spam', scamMessage(i));
    expect((await runRetrain(deps, schedule)).status).toBe('promoted');
    const [held] = submissionIds(true, 1, '20261106');
    await submissions.file(held as string, 'missed-spam', invoiceMessage(5));

    const outcome = await runRetrain(deps, schedule);

    expect(outcome.status).toBe('nothing-new');
    expect(outcome.status === 'nothing-new' && outcome.reason).toContain(
      `the new report(s) ${held} are held out: they evaluate versions and train none`,
    );
  });
});

describe('a retraining run that cannot read the model in service', () => {
  it('fails instead of comparing the candidate with the bundled model', async () => {
    const { deps, models, submissions } = setup();
    await submissions.file(submissionIds(false, 1)[0] as string, 'missed-spam', scamMessage(0));
    await models.store.setCurrent({
      version: 'stat1-deadbeef',
      promotedAt: '2026-11-20T00:00:00.000Z',
      promotedBy: 'retrain job',
    });
    await expect(runRetrain(deps, schedule)).rejects.toThrow(NotFoundError);
  });
});

describe('"update now"', () => {
  it('starts a run in the background for the admin and says what happens next', async () => {
    const { log } = memoryLogger();
    const started: RetrainRequest[] = [];
    const accepted = await requestRetrain(
      {
        log,
        retrain: {
          async start(request) {
            started.push(request);
            return { detail: 'the test runs it' };
          },
        },
      },
      'arn:aws:iam::111122223333:user/admin',
    );
    expect(started).toEqual([{ requestedBy: 'update now by arn:aws:iam::111122223333:user/admin' }]);
    expect(accepted).toMatchObject({
      status: 'accepted',
      requestedBy: 'update now by arn:aws:iam::111122223333:user/admin',
      detail: 'the test runs it',
      next: expect.stringContaining('`graywall model history`'),
    });
  });

  it('is a configuration error where no retrain function is wired', async () => {
    const { log } = memoryLogger();
    await expect(requestRetrain({ log }, 'someone')).rejects.toThrow(ConfigError);
  });
});
