import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH } from '../../functions/adapters/load-model.ts';
import { BUNDLED_CONFIG_FILE, BUNDLED_MODEL_FILE, ENV } from '../../functions/handlers/lambda-env.ts';
import { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import { CDK_JSON_CONTEXT, exampleConfig } from '../support/cdk-stack.ts';

// One real esbuild bundle (a few seconds): the rest of the suite skips bundling.
const config = exampleConfig({ organisation: { name: 'Bundling Test Org' } });
const outdir = mkdtempSync(join(tmpdir(), 'graywall-bundle-test-'));
let assetDir = '';

beforeAll(() => {
  const app = new App({ outdir, context: CDK_JSON_CONTEXT, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'BundlingTest');
  new GraywallFunction(stack, 'Scan', {
    handler: 'scan',
    description: 'bundling test',
    memorySize: 1024,
    timeout: Duration.seconds(60),
    config,
    environment: {},
    bundledFiles: { [BUNDLED_MODEL_FILE]: DEFAULT_MODEL_PATH },
  });
  app.synth();
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  assetDir = join(outdir, assets[0] as string);
}, 60_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('a bundled function', () => {
  it('is one ESM file with its source map, the validated config and the bundled files beside it', () => {
    expect(readdirSync(assetDir).sort()).toEqual(
      [BUNDLED_CONFIG_FILE, BUNDLED_MODEL_FILE, 'index.mjs', 'index.mjs.map'].sort(),
    );
    expect(JSON.parse(readFileSync(join(assetDir, BUNDLED_CONFIG_FILE), 'utf8'))).toEqual(config);
    expect(readFileSync(join(assetDir, BUNDLED_MODEL_FILE))).toEqual(readFileSync(DEFAULT_MODEL_PATH));
    // Lambda runs the code as an unprivileged user.
    for (const file of [BUNDLED_CONFIG_FILE, BUNDLED_MODEL_FILE]) {
      expect(statSync(join(assetDir, file)).mode & 0o444).toBe(0o444);
    }
  });

  it('bundles the AWS SDK instead of relying on the runtime copy', () => {
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain('DynamoDBClient');
  });

  it('loads on Node 24 as Lambda would, reads its bundled config and answers an SQS batch', () => {
    // Prepare: a Lambda-like environment; the unreadable record never reaches AWS.
    const script = join(outdir, 'invoke.mjs');
    writeFileSync(
      script,
      `const mod = await import(${JSON.stringify(join(assetDir, 'index.mjs'))});
const out = await mod.handler({ Records: [{ messageId: 'm-1', body: 'not json', attributes: { ApproximateReceiveCount: '1' } }] }, { awsRequestId: 'r-1' });
process.stdout.write('RESULT ' + JSON.stringify(out) + '\\n');`,
    );
    // Act
    const result = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        LAMBDA_TASK_ROOT: assetDir,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        [ENV.bucket]: 'mail-bucket',
        [ENV.trackingTable]: 'tracking',
        [ENV.quarantineTable]: 'quarantine',
        [ENV.listsTable]: 'lists',
        [ENV.reportsTable]: 'reports',
        [ENV.unsubscribeTable]: 'unsubscribe',
        [ENV.signingKeySecret]:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:graywall-signing-key-AbCdEf',
        [ENV.graymailQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/graymail',
      },
    });
    // Assess
    expect(result.stderr).toBe('');
    const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse(line?.slice('RESULT '.length) ?? 'null')).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-1' }],
    });
    // The handler logged the bad record as JSON, after loading the config from the bundle.
    expect(result.stdout).toContain(
      '"message":"unreadable queue message: it will reach the dead-letter queue"',
    );
    // Powertools, bundled as ESM, wrote the invocation's metrics as one EMF line at the end.
    const emf = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"_aws"'))
      .map((l) => JSON.parse(l));
    expect(emf).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Graywall',
              Dimensions: [['Stage']],
              Metrics: [{ Name: 'StageFailures', Unit: 'Count' }],
            },
          ],
        },
        Stage: 'scan',
        StageFailures: 1,
      },
    ]);
  });
});
