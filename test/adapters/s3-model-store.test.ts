import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { S3ModelStore } from '../../functions/adapters/s3-model-store.ts';
import type { ModelVersionRecord } from '../../functions/app/model-versions.ts';
import { type Emulators, startEmulators } from '../../functions/local/emulators.ts';

const BUCKET = 'models-test';
let emulators: Emulators;
let clients: AwsClients;
let store: S3ModelStore;

beforeAll(async () => {
  emulators = await startEmulators();
  clients = createAwsClients({
    region: emulators.region,
    credentials: emulators.credentials,
    endpoints: emulators.endpoints,
  });
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  store = new S3ModelStore(clients.s3, BUCKET);
});
afterAll(async () => emulators?.stop());

function record(version: string, createdAt: string, overrides: Partial<ModelVersionRecord> = {}) {
  return {
    version,
    createdAt,
    createdBy: 'retrain job (schedule)',
    baseVersion: 'stat1-26d0a659',
    status: 'candidate',
    submissions: ['20261125T032501Z-3f9a1c2e'],
    ...overrides,
  } satisfies ModelVersionRecord;
}

const put = (key: string, body: string) =>
  clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const text = async (key: string) =>
  (await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();

describe('S3ModelStore', () => {
  it('stores the artifact and its record under models/versions/, and reads both back', async () => {
    const stored = record('stat1-aaaa0001', '2026-11-20T03:00:00.000Z', {
      status: 'promoted',
      statusReason: 'no worse on false positives',
      evaluation: {
        spam: 300,
        ham: 660,
        hardHam: 40,
        recallSuspect: 0.9,
        recallPositive: 0.7,
        falsePositiveRate: 0,
        hardHamFalsePositiveRate: 0.025,
      },
    });

    await store.putVersion(stored, '{"format":"graywall-statistical/1"}');

    expect(await store.getRecord('stat1-aaaa0001')).toEqual(stored);
    expect(await store.getArtifact('stat1-aaaa0001')).toBe('{"format":"graywall-statistical/1"}');
    expect(await text('models/versions/stat1-aaaa0001.json')).toBe('{"format":"graywall-statistical/1"}');
    expect(JSON.parse((await text('models/versions/stat1-aaaa0001.record.json')) ?? '')).toEqual(stored);
  });

  it('says NotFound for a version that is not stored, and refuses names that would leave models/versions/', async () => {
    await expect(store.getArtifact('stat1-nothere')).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(await store.getRecord('stat1-nothere')).toBeUndefined();
    await expect(store.getArtifact('../current')).rejects.toMatchObject({ name: 'BadRequestError' });
  });

  it('replaces a record on a status change, keeping fields it does not know', async () => {
    await put(
      'models/versions/stat1-aaaa0002.record.json',
      JSON.stringify({ ...record('stat1-aaaa0002', '2026-11-21T03:00:00.000Z'), trainedOn: 5037 }),
    );
    const read = (await store.getRecord('stat1-aaaa0002')) as ModelVersionRecord;

    await store.updateRecord({ ...read, status: 'refused', statusReason: 'more false positives' });

    expect(JSON.parse((await text('models/versions/stat1-aaaa0002.record.json')) ?? '')).toMatchObject({
      status: 'refused',
      statusReason: 'more false positives',
      trainedOn: 5037,
    });
  });

  it('lists every valid record newest first, skipping records that do not validate', async () => {
    await store.putVersion(record('stat1-aaaa0003', '2026-11-22T03:00:00.000Z'), '{}');
    await put('models/versions/stat1-garbled.record.json', '{"version": "stat1-garbled", "status": "maybe"');
    await put(
      'models/versions/stat1-bad-status.record.json',
      JSON.stringify(record('stat1-bad-status', '2026-11-23T03:00:00.000Z', { status: 'maybe' as never })),
    );
    // A record copied under another version's key would make history and rollback lie.
    await put(
      'models/versions/stat1-renamed.record.json',
      JSON.stringify(record('stat1-aaaa0001', '2026-11-24T03:00:00.000Z')),
    );

    const versions = (await store.listVersions()).map((r) => r.version);

    expect(versions).toEqual(['stat1-aaaa0003', 'stat1-aaaa0002', 'stat1-aaaa0001']);
  });

  it('has no pointer until one is set, then reads it back; a broken pointer is an error, not "bundled"', async () => {
    expect(await store.current()).toBeUndefined();
    // Found by listing (see S3ModelStore.current): a key that only starts like it is not it.
    await put('models/current.json.bak', '{"version": "stat1-aaaa0009"}');
    expect(await store.current()).toBeUndefined();
    const pointer = {
      version: 'stat1-aaaa0001',
      promotedAt: '2026-11-25T03:00:00.000Z',
      promotedBy: 'retrain job',
      previous: 'stat1-26d0a659',
    };

    await store.setCurrent(pointer);
    expect(await store.current()).toEqual(pointer);
    expect(JSON.parse((await text('models/current.json')) ?? '')).toEqual(pointer);

    await put('models/current.json', '{"version": "stat1-aaaa0001"}');
    await expect(store.current()).rejects.toMatchObject({
      name: 'InvalidModelPointerError',
      message: `s3://${BUCKET}/models/current.json is not a valid model pointer`,
    });
  });
});
