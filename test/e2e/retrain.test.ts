import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCorpus, readEntry } from '../../bin/corpus.ts';
import { loadModelFile } from '../../functions/adapters/load-model.ts';
import type { ModelHistory, ModelStatus } from '../../functions/app/model-admin.ts';
import type { ListedSubmission } from '../../functions/app/submissions.ts';
import { RULES_VERSION } from '../../functions/core/scan/rules/index.ts';
import type { Submission } from '../../functions/core/submissions/submission.ts';
import { LOCAL_ADMIN_PRINCIPAL } from '../../functions/local/http-api.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { startTestGateway, type TestGateway } from '../support/gateway-harness.ts';
import { SCAM_CAMPAIGN_SIZE, scamMessage } from '../support/training-mail.ts';

/**
 * "Model and rule updates" as an admin lives them, through the local gateway and the CLI:
 * reports of misclassified mail are filed with `graywall submit`, `graywall model retrain`
 * trains a new version in the background, and the version is promoted (the scan stage then
 * catches what was reported) or refused (the model in service stays), with the figures in
 * `graywall model history` and each report's fate in `graywall submissions`.
 */
let gw: TestGateway;
let cli: CliRun;
let clockOffsetMs = 0;
const dir = mkdtempSync(join(tmpdir(), 'graywall-retrain-'));
const bundled = loadModelFile();
const UPDATE_NOW = `retrain job (update now by ${LOCAL_ADMIN_PRINCIPAL})`;

beforeAll(async () => {
  gw = await startTestGateway({ clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

async function submitFile(name: string, raw: Buffer, category: string): Promise<Submission> {
  const file = join(dir, name);
  writeFileSync(file, raw);
  const run = await cli('submit', '--category', category, file, '--json');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as Submission;
}

async function listed(): Promise<Map<string, ListedSubmission>> {
  const run = await cli('submissions', '--json', '--limit', '100');
  expect(run.code).toBe(0);
  const page = JSON.parse(run.out) as { items: ListedSubmission[] };
  return new Map(page.items.map((s) => [s.id, s]));
}

async function history(): Promise<ModelHistory> {
  return JSON.parse((await cli('model', 'history', '--json')).out) as ModelHistory;
}

/** A message of the campaign as it arrives by SMTP, scanned and acted on. */
async function campaignMail(i: number) {
  const id = await gw.send(scamMessage(i), {
    from: `support${i}@secure-wallet-${i}.example`,
    to: ['user@example.com'],
  });
  return gw.waitForState(id, ['delivered', 'quarantined']);
}

describe('update now with reports of a scam campaign the model missed', () => {
  let version = '';
  let reports: Submission[] = [];

  it('starts in the background: the CLI says what happens next', async () => {
    // The campaign gets through today.
    const missed = await campaignMail(0);
    expect(missed.scan?.verdict).toBe('clean');

    reports = [];
    for (let i = 0; i < SCAM_CAMPAIGN_SIZE; i++)
      reports.push(
        await submitFile(`scam-${i}.eml`, scamMessage(i), i % 2 ? 'missed-phishing' : 'missed-spam'),
      );
    expect([...(await listed()).values()].map((s) => s.status)).toEqual(reports.map(() => 'received'));

    const run = await cli('model', 'retrain');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Retraining started: the local gateway runs it in the background/);
    expect(run.out).toContain('`graywall model history`');
  });

  it('stores a version trained on the reports, with its held-out figures, waiting for an admin', async () => {
    const outcome = await gw.retraining.settled();
    // model.promotion is manual by default: users' reports change nothing until an admin agrees.
    expect(outcome?.status).toBe('pending');
    if (outcome?.status !== 'pending') return;
    version = outcome.version;
    expect(outcome.current).toBe(bundled.version);
    expect([...outcome.trained, ...outcome.heldOut].sort()).toEqual(reports.map((s) => s.id).sort());
    expect((await history()).current).toBe(bundled.version);
    const status = await cli('model');
    expect(status.out).toContain(
      `Waiting   ${version} passed the held-out check: \`graywall model promote ${version}\``,
    );

    const promoted = await cli('model', 'promote', version);
    expect(promoted.out).toMatch(new RegExp(`^Promoted: the current model is now ${version}`));
    expect((await cli('model', 'promote', version)).err).toContain(`model version ${version} is promoted`);
    expect((await cli('model', 'rollback', 'stat2-deadbeef')).err).toMatch(
      new RegExp(`not stored; roll back to ${version}, bundled`),
    );

    const { versions, current } = await history();
    expect(current).toBe(version);
    expect(versions.find((v) => v.version === version)).toMatchObject({
      status: 'promoted',
      createdBy: UPDATE_NOW,
      baseVersion: bundled.version,
      submissions: outcome.trained,
      heldOutSubmissions: outcome.heldOut,
      evaluation: { ham: 780, hardHam: 50, falsePositiveRate: 0 },
      statusReason: expect.stringMatching(/^promoted at .* by .* \(approved; replaces /),
    });
    // No more held-out hard ham flagged than the shipped model's one in 50 (BENCHMARKS.md).
    expect(outcome.baselineEvaluation.hardHamFalsePositiveRate).toBe(1 / 50);
    expect(outcome.evaluation.hardHamFalsePositiveRate).toBeLessThanOrEqual(1 / 50);
    const shown = await cli('model', 'history');
    expect(shown.out).toContain(version);
  });

  it('shows each report as used in (or held out by) that version', async () => {
    const all = await listed();
    const trained = new Set((await history()).versions.find((v) => v.version === version)?.submissions);
    for (const report of reports) {
      expect(all.get(report.id)?.status).toBe(
        trained.has(report.id) ? `used in ${version}` : `held out in ${version}`,
      );
    }
    const table = await cli('submissions');
    expect(table.out).toMatch(/STATUS/);
    expect(table.out).toContain(`used in ${version}`);
    const one = await cli('submissions', 'show', reports[0]?.id as string);
    expect(one.out).toMatch(/Status\s+(used|held out) in stat2-/);
  });

  it('is what the scan stage uses once it re-reads the pointer: the campaign is caught', async () => {
    clockOffsetMs += 301_000;
    const caught = await campaignMail(1);
    expect(caught.scan?.engineVersion).toBe(`${RULES_VERSION}+${version}`);
    expect(caught.scan?.verdict).not.toBe('clean');
  });

  it('builds nothing on the next run: no new reports since that version', async () => {
    expect((await cli('model', 'retrain')).code).toBe(0);
    const outcome = await gw.retraining.settled();
    expect(outcome).toMatchObject({
      status: 'nothing-new',
      current: version,
      reason: expect.stringMatching(new RegExp(`^no new submissions to train on since ${version}`)),
    });
    expect((await history()).versions.map((v) => v.version)).toEqual([version]);
  });
});

describe('update now with ordinary mail reported as spam', () => {
  it('refuses the version (it would catch far less spam), keeps the model in service, and the reports stay received', async () => {
    const before = (await history()).current;
    // An admin reports twenty messages of mailing-list traffic (ordinary ham) as spam.
    const ham = listCorpus()
      .filter((entry) => entry.split === 'train' && entry.kind === 'easy-ham')
      .slice(0, 20);
    const wrong: Submission[] = [];
    for (const [i, entry] of ham.entries())
      wrong.push(await submitFile(`list-${i}.eml`, readEntry(entry), 'missed-spam'));

    expect((await cli('model', 'retrain')).code).toBe(0);
    const outcome = await gw.retraining.settled();

    expect(outcome?.status).toBe('refused');
    if (outcome?.status !== 'refused') return;
    // Learning list traffic as spam moves every ham-like message up, so score 50 moves above
    // the ham again (no held-out ham is flagged) and spam falls below it: far more than the 1%
    // tolerance (4 to 14 points, depending on how many of the reports the id split holds out).
    expect(outcome.reason).toMatch(/^refused: catches less held-out spam at the suspect threshold: /);
    expect(outcome.evaluation.falsePositiveRate).toBe(0);
    expect(outcome.evaluation.recallSuspect).toBeLessThan(outcome.baselineEvaluation.recallSuspect - 0.02);

    const { versions, current } = await history();
    expect(current).toBe(before);
    expect(versions.find((v) => v.version === outcome.version)).toMatchObject({
      status: 'refused',
      createdBy: UPDATE_NOW,
      baseVersion: before,
    });
    const status = JSON.parse((await cli('model', '--json')).out) as ModelStatus;
    expect(status.model.version).toBe(before);
    const all = await listed();
    for (const report of wrong) expect(all.get(report.id)?.status).toBe('received');

    // The admin takes the wrong reports back: no later version trains on them.
    const first = wrong[0] as Submission;
    const withdrawn = await cli('submissions', 'withdraw', first.id);
    expect(withdrawn.out).toContain(`Withdrawn: submission ${first.id} trains no later model version.`);
    expect((await listed()).get(first.id)?.status).toBe(`withdrawn by ${LOCAL_ADMIN_PRINCIPAL}`);
    expect((await cli('submissions', 'withdraw', first.id)).err).toContain(
      `submission ${first.id} was withdrawn by ${LOCAL_ADMIN_PRINCIPAL}`,
    );
  });
});
