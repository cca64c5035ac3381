import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH } from '../../functions/adapters/load-model.ts';
import { DEFAULT_TRAINING_BASE_PATH } from '../../functions/adapters/training-base-file.ts';
import { BUNDLED_MODEL_FILE, BUNDLED_TRAINING_BASE_FILE, ENV } from '../../functions/handlers/lambda-env.ts';
import {
  actionsOf,
  actionsOn,
  buildStack,
  exampleConfig,
  logicalId,
  objectsArn,
  type Statement,
  statementsOfRole,
} from '../support/cdk-stack.ts';

/**
 * The retraining job in the stack: its function, schedule, alarm and exact grants, and the
 * admin function's right to start it ("update now").
 */
const built = buildStack();
const { stack, template } = built;
const training = stack.modelTraining;
const fn = training.retrainFunction;
const ids = {
  fn: logicalId(stack, fn.function),
  role: logicalId(stack, fn.role),
  logs: logicalId(stack, fn.logGroup),
  schedule: logicalId(stack, training.schedule),
  alarm: logicalId(stack, training.failureAlarm),
  adminFn: logicalId(stack, stack.adminApi.adminFunction.function),
  adminRole: logicalId(stack, stack.adminApi.adminFunction.role),
  bucket: logicalId(stack, stack.stores.mailBucket),
  alarmTopic: logicalId(stack, stack.pipeline.alarmTopic),
};
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const functionArn = { 'Fn::GetAtt': [ids.fn, 'Arn'] };
const statements = () => statementsOfRole(template, ids.role);

describe('the retrain function', () => {
  it('runs on Node.js 24, arm64, with memory and time for a training run, its own log group and role', () => {
    expect(resources[ids.fn]?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 2048,
      Timeout: 600,
      LoggingConfig: { LogGroup: { Ref: ids.logs } },
      Role: { 'Fn::GetAtt': [ids.role, 'Arn'] },
    });
    expect(resources[ids.role]?.Properties).toMatchObject({ Description: 'Graywall retrain function' });
    expect(resources[ids.role]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('ships the bundled model (the baseline while none is promoted) and the training base beside its bundle', () => {
    expect(fn.bundledFiles).toEqual({
      [BUNDLED_MODEL_FILE]: DEFAULT_MODEL_PATH,
      [BUNDLED_TRAINING_BASE_FILE]: DEFAULT_TRAINING_BASE_PATH,
    });
    for (const path of Object.values(fn.bundledFiles)) expect(existsSync(path)).toBe(true);
  });

  it('reads submissions and reads and writes model versions; lists those two prefixes and nothing else', () => {
    expect(actionsOn(statements(), objectsArn(ids.bucket, 'submissions/*'))).toEqual(['s3:GetObject']);
    expect(actionsOn(statements(), objectsArn(ids.bucket, 'models/*'))).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
    const listing = statements().filter((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(listing).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['submissions/*'] } },
      },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['models/*'] } },
      },
    ]);
  });

  it('has no other rights: its logs, those bucket grants, no table, secret, queue, mail or delete', () => {
    const granted = statements().flatMap((s: Statement) => actionsOf(s));
    expect([...new Set(granted)].sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    const text = JSON.stringify(statements());
    for (const prefix of ['incoming/', 'quarantine/', 'archive/']) expect(text).not.toContain(prefix);
  });

  it('knows the names every function knows, but not the retrain function (it never starts itself)', () => {
    const environment = resources[ids.fn]?.Properties.Environment as { Variables: Record<string, unknown> };
    const variables = environment.Variables;
    expect(variables).toMatchObject({ [ENV.bucket]: { Ref: ids.bucket } });
    expect(Object.keys(variables)).not.toContain(ENV.retrainFunction);
  });
});

describe('the retraining schedule', () => {
  const targetsOf = (rule: { Properties: Record<string, unknown> }) =>
    rule.Properties.Targets as Array<{ Arn: unknown; RetryPolicy?: unknown }>;

  it('runs the retrain function weekly by default (model.retrainSchedule), retrying the delivery twice', () => {
    expect(built.config.model.retrainSchedule).toBe('cron(0 3 ? * SUN *)');
    const rule = resources[ids.schedule] as { Properties: Record<string, unknown> };
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'cron(0 3 ? * SUN *)', State: 'ENABLED' });
    expect(targetsOf(rule)).toEqual([
      expect.objectContaining({ Arn: functionArn, RetryPolicy: { MaximumRetryAttempts: 2 } }),
    ]);
    // EventBridge may invoke it, from this rule only.
    const permissions = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(functionArn),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ids.schedule, 'Arn'] },
      }),
    ]);
  });

  it('follows the configured schedule', () => {
    const daily = buildStack(exampleConfig({ model: { retrainSchedule: 'rate(1 day)' } }));
    const schedule = logicalId(daily.stack, daily.stack.modelTraining.schedule);
    expect(
      (daily.template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[schedule]
        ?.Properties.ScheduleExpression,
    ).toBe('rate(1 day)');
  });

  it('alarms the alarm topic when a run fails', () => {
    expect(resources[ids.alarm]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
      Threshold: 1,
      AlarmActions: [{ Ref: ids.alarmTopic }],
    });
  });
});

describe('"update now" from the admin API', () => {
  it('lets the admin function invoke exactly the retrain and digest functions (no alias or version wildcard)', () => {
    const admin = statementsOfRole(template, ids.adminRole);
    const invoke = admin.filter((s) => actionsOf(s).some((action) => action.startsWith('lambda:')));
    const digestArn = { 'Fn::GetAtt': [logicalId(stack, stack.digest.digestFunction.function), 'Arn'] };
    expect(invoke).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [digestArn, functionArn] },
    ]);
    // No other role in the stack may invoke the retrain function; the digest schedule's role
    // (EventBridge Scheduler) invokes the digest function only.
    const [schedule] = ofType('AWS::Scheduler::Schedule');
    if (!schedule) throw new Error('no digest schedule');
    const scheduleRole = (schedule[1].Properties.Target as { RoleArn: { 'Fn::GetAtt': [string] } }).RoleArn[
      'Fn::GetAtt'
    ][0];
    for (const [logical, role] of ofType('AWS::IAM::Role')) {
      if (logical === ids.adminRole) continue;
      const statements = statementsOfRole(template, logical);
      if (logical === scheduleRole) {
        expect(statements).toEqual([
          { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: digestArn },
        ]);
        continue;
      }
      expect(JSON.stringify(statements)).not.toContain('lambda:InvokeFunction');
      expect(role.Type).toBe('AWS::IAM::Role');
    }
  });

  it('names the retrain function in the admin function’s environment, and in no other', () => {
    for (const [logical, lambda] of ofType('AWS::Lambda::Function')) {
      const variables =
        (lambda.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {};
      if (logical === ids.adminFn) expect(variables[ENV.retrainFunction]).toEqual({ Ref: ids.fn });
      else expect(variables[ENV.retrainFunction]).toBeUndefined();
    }
  });
});
