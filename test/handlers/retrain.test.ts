import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../functions/adapters/load-model.ts';
import type { ModelStore } from '../../functions/app/model-versions.ts';
import type { SubmissionStore } from '../../functions/app/ports.ts';
import type { RetrainDeps } from '../../functions/app/retrain.ts';
import { createRetrainHandler, retrainRequest } from '../../functions/handlers/retrain.ts';
import { memoryLogger, testConfig } from '../support/gateway-harness.ts';

describe('the retrain function’s event', () => {
  it('names the admin who asked ("update now"), and the schedule otherwise', () => {
    expect(retrainRequest({ requestedBy: 'update now by arn:aws:iam::1:user/a' })).toEqual({
      requestedBy: 'update now by arn:aws:iam::1:user/a',
    });
    // EventBridge's scheduled event carries no requestedBy.
    expect(retrainRequest({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).toEqual({
      requestedBy: 'schedule',
    });
    expect(retrainRequest(null)).toEqual({ requestedBy: 'schedule' });
    expect(retrainRequest({ requestedBy: 42 })).toEqual({ requestedBy: 'schedule' });
    expect(retrainRequest({ requestedBy: 'x'.repeat(1000) }).requestedBy).toHaveLength(400);
  });

  it('runs the retraining use case and returns its outcome', async () => {
    const { log } = memoryLogger();
    const bundled = loadModelFile();
    const deps: RetrainDeps = {
      config: testConfig(),
      models: {
        current: async () => undefined,
        listVersions: async () => [],
        getRecord: async () => undefined,
      } as unknown as ModelStore,
      submissions: { ids: async () => [] } as unknown as SubmissionStore,
      trainingBase: {
        load: async () => {
          throw new Error('not needed when nothing is new');
        },
      },
      bundledModel: bundled,
      clock: { now: () => new Date('2026-11-29T03:00:00Z') },
      log,
    };
    const handler = createRetrainHandler(() => deps);
    const outcome = await handler({ source: 'aws.events' }, {} as never);
    expect(outcome).toMatchObject({ status: 'nothing-new', current: bundled.version });
  });
});
