import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../../functions/adapters/load-model.ts';
import type { ModelHistory, ModelStatus } from '../../functions/app/model-admin.ts';
import type { ModelVersionRecord } from '../../functions/app/model-versions.ts';
import { RULES_VERSION } from '../../functions/core/scan/rules/index.ts';
import { type StatisticalModel, serializeModel } from '../../functions/core/scan/statistical/model.ts';
import type { TrackingRecord } from '../../functions/core/tracking/types.ts';
import { LOCAL_ADMIN_PRINCIPAL } from '../../functions/local/http-api.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

/**
 * Model updates without a redeploy, through the local gateway: a retrained version is stored
 * and made current in the S3 emulator, the running scan stage picks it up once
 * model.refreshSeconds (300 by default) have passed on the gateway's clock, every tracking
 * record names the engine that scanned it, and an admin rolls back with the CLI.
 */
let gw: TestGateway;
let cli: CliRun;
let clockOffsetMs = 0;

const bundled = loadModelFile(DEFAULT_MODEL_PATH);
const SECOND = 'stat1-e2e00002';
const REFUSED = 'stat1-e2e00003';
const BROKEN = 'stat1-e2e00004';

/**
 * The bundled model with its combination layer's bias raised by the distance between the
 * suspect and the positive anchors: the same message scores about 40 points higher with it.
 */
function shiftedModel(version: string): StatisticalModel {
  const combination = bundled.combination;
  if (!combination) throw new Error('the bundled model has no combination layer');
  const { suspectZ, positiveZ } = combination.profiles.normal;
  return {
    ...bundled,
    version,
    combination: { ...combination, bias: combination.bias + (positiveZ - suspectZ) },
  };
}

function versionRecord(version: string, overrides: Partial<ModelVersionRecord> = {}): ModelVersionRecord {
  return {
    version,
    createdAt: new Date().toISOString(),
    createdBy: 'retrain job (schedule)',
    baseVersion: bundled.version,
    status: 'promoted',
    statusReason: 'no worse on held-out false positives',
    submissions: [],
    ...overrides,
  };
}

let sent = 0;
/** The same person-to-person message each time (its own Message-ID), scanned to a final state. */
async function scanLunchMail(): Promise<TrackingRecord> {
  sent += 1;
  const raw = rfc822(
    {
      From: 'Alice <alice@partner.example>',
      To: 'bob@example.com',
      Subject: 'Lunch on Thursday',
      'Message-ID': `<lunch-${sent}@partner.example>`,
      Date: 'Tue, 24 Nov 2026 10:00:00 +0000',
    },
    'Hi Bob,\n\nare we still on for lunch on Thursday? The usual place at noon.\n\nAlice\n',
  );
  const id = await gw.send(raw, { from: 'alice@partner.example', to: ['bob@example.com'] });
  return gw.waitForState(id, ['delivered']);
}

const engineWith = (version: string) => `${RULES_VERSION}+${version}`;
const passRefreshInterval = () => {
  clockOffsetMs += 301_000;
};

beforeAll(async () => {
  gw = await startTestGateway({ clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

describe('a promoted model version', () => {
  let before: TrackingRecord;
  let after: TrackingRecord;

  it('is not used before model.refreshSeconds have passed in the running functions', async () => {
    before = await scanLunchMail();
    expect(before.scan?.engineVersion).toBe(engineWith(bundled.version));

    await gw.deps.models.putVersion(
      versionRecord(SECOND),
      JSON.stringify(serializeModel(shiftedModel(SECOND))),
    );
    await gw.deps.models.setCurrent({
      version: SECOND,
      promotedAt: new Date().toISOString(),
      promotedBy: 'retrain job',
      previous: bundled.version,
    });

    const soon = await scanLunchMail();
    expect(soon.scan?.engineVersion).toBe(engineWith(bundled.version));
    const version = await cli('version', '--json');
    expect(JSON.parse(version.out)).toEqual({
      engine: engineWith(bundled.version),
      model: { version: bundled.version, source: 'bundled' },
    });
  });

  it('scans the next mail once the interval has passed, without a restart, and the tracking record says so', async () => {
    passRefreshInterval();

    after = await scanLunchMail();

    expect(after.scan?.engineVersion).toBe(engineWith(SECOND));
    expect(after.scan?.score).toBeGreaterThanOrEqual((before.scan?.score ?? 0) + 30);
    expect(after.events.find((e) => e.type === 'scanned')?.detail).toContain(`by ${engineWith(SECOND)}`);
    const version = await cli('version');
    expect(version.out).toContain(`engine ${engineWith(SECOND)}`);
  });

  it('shows in `graywall model` with who promoted it, when, and what it replaced', async () => {
    const status = await cli('model');
    expect(status.code).toBe(0);
    expect(status.out).toContain(`Model     ${SECOND} (promoted)`);
    expect(status.out).toMatch(/current since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by retrain job, replacing /);
    expect(status.out).toContain(`Bundled   ${bundled.version}`);
    expect(status.out).toContain(`Rules     ${RULES_VERSION}`);

    const json = JSON.parse((await cli('model', 'status', '--json')).out) as ModelStatus;
    expect(json).toMatchObject({
      engine: engineWith(SECOND),
      model: { version: SECOND, source: 'promoted', updatedBy: 'retrain job', previous: bundled.version },
      bundledVersion: bundled.version,
      refreshSeconds: 300,
    });
    expect(json.model.record?.createdBy).toBe('retrain job (schedule)');
  });
});

describe('graywall model rollback', () => {
  it('refuses a version that is not stored, one that was refused, and a name that is no version', async () => {
    await gw.deps.models.putVersion(
      versionRecord(REFUSED, { status: 'refused', statusReason: 'more false positives on hard ham' }),
      JSON.stringify(serializeModel(shiftedModel(REFUSED))),
    );

    const unknown = await cli('model', 'rollback', 'stat1-nothere');
    const refused = await cli('model', 'rollback', REFUSED);
    const badName = await cli('model', 'rollback', '../current');
    const missing = await cli('model', 'rollback');

    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('model version stat1-nothere is not stored; roll back to ');
    expect(unknown.err).toContain('bundled');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      `model version ${REFUSED} was refused (more false positives on hard ham); it cannot be made current`,
    );
    expect(badName.code).toBe(1);
    expect(badName.err).toContain('"../current" is not a model version');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('model rollback needs one version');
    expect((await gw.deps.models.current())?.version).toBe(SECOND);
  });

  it('goes back to the bundled model: the next mail after the interval is scanned with it', async () => {
    const earlier = await scanLunchMail();
    expect(earlier.scan?.engineVersion).toBe(engineWith(SECOND));

    const rollback = await cli('model', 'rollback', 'bundled');
    expect(rollback.code).toBe(0);
    expect(rollback.out).toContain(
      `Rolled back: the current model is now ${bundled.version} (bundled) (was ${SECOND}).`,
    );
    passRefreshInterval();
    const back = await scanLunchMail();

    expect(back.scan?.engineVersion).toBe(engineWith(bundled.version));
    // Mail scanned before keeps the engine it was scanned with; nothing is added to its record.
    const kept = await gw.deps.tracking.get(earlier.messageId);
    expect(kept?.scan?.engineVersion).toBe(engineWith(SECOND));
    expect(kept?.events).toEqual(earlier.events);
  });

  it('is recorded in the history: the replaced version retired by whom, the refused one kept, the bundled one current', async () => {
    const history = JSON.parse((await cli('model', 'history', '--json')).out) as ModelHistory;

    expect(history.current).toBe(bundled.version);
    expect(history.bundled).toEqual({ version: bundled.version, current: true });
    expect(history.versions.map((v) => [v.version, v.status, v.current])).toEqual([
      [REFUSED, 'refused', false],
      [SECOND, 'retired', false],
    ]);
    expect(history.versions[1]?.statusReason).toMatch(
      new RegExp(`^retired at .+: ${LOCAL_ADMIN_PRINCIPAL} rolled back to ${bundled.version} \\(bundled\\)$`),
    );
    const pointer = await gw.deps.models.current();
    // The pointer says "bundled": it follows the deployment's model, whichever that is then.
    expect(pointer).toMatchObject({
      version: 'bundled',
      promotedBy: LOCAL_ADMIN_PRINCIPAL,
      previous: SECOND,
    });

    const table = await cli('model', 'history');
    expect(table.out).toMatch(new RegExp(`^\\*\\s+${bundled.version}\\s+bundled`, 'm'));
    expect(table.out).toMatch(new RegExp(`^\\s+${SECOND}\\s+retired`, 'm'));
    expect(table.out).toMatch(new RegExp(`^\\s+${REFUSED}\\s+refused`, 'm'));
    // Each reason in full, below the table.
    expect(table.out).toMatch(
      new RegExp(`^ {2}${SECOND}: retired at .* rolled back to ${bundled.version} \\(bundled\\)$`, 'm'),
    );
  });

  it('can make a retired version current again; the API refuses rolling back to what is already current', async () => {
    const again = await gw.api<ModelStatus>('POST', '/admin/model/rollback', { version: SECOND });
    expect(again.status).toBe(200);
    expect(again.body.model).toMatchObject({
      version: SECOND,
      source: 'promoted',
      previous: bundled.version,
    });
    expect(again.body.model.record).toMatchObject({ status: 'promoted' });
    expect(again.body.model.record?.statusReason).toContain(
      `by ${LOCAL_ADMIN_PRINCIPAL} (rollback from ${bundled.version})`,
    );

    const same = await gw.api<{ message: string }>('POST', '/admin/model/rollback', { version: SECOND });
    expect(same.status).toBe(409);
    expect(same.body.message).toBe(`model version ${SECOND} is already current`);
    const empty = await gw.api<{ message: string }>('POST', '/admin/model/rollback', {});
    expect(empty.status).toBe(400);
  });
});

describe('a current version whose artifact is broken', () => {
  it('leaves the scan stage on the last good model, logging the error, and mail still flows', async () => {
    passRefreshInterval();
    const good = await scanLunchMail();
    expect(good.scan?.engineVersion).toBe(engineWith(SECOND));
    await gw.deps.models.putVersion(versionRecord(BROKEN), '{"format":"graywall-statistical/1","version":');
    await gw.deps.models.setCurrent({
      version: BROKEN,
      promotedAt: new Date().toISOString(),
      promotedBy: 'someone with aws s3 cp',
      previous: SECOND,
    });

    passRefreshInterval();
    const still = await scanLunchMail();

    expect(still.scan?.engineVersion).toBe(engineWith(SECOND));
    expect(gw.logLines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'could not load the current model version: still scanning with the last good model',
        wanted: BROKEN,
        using: SECOND,
      }),
    );
  });
});
