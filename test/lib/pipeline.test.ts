import { existsSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_FILE, ENV } from '../../functions/handlers/lambda-env.ts';
import type { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import type { StageQueue } from '../../lib/constructs/pipeline.ts';
import {
  actionsOf,
  actionsOn,
  allows,
  buildStack,
  exampleConfig,
  logicalId,
  objectsArn,
  type Statement,
  stackArn,
  statementsOfRole,
  touches,
} from '../support/cdk-stack.ts';

const built = buildStack(exampleConfig({ pipeline: { maxReceiveCount: 3 } }));
const { stack, template } = built;
const { pipeline, stores } = stack;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const ids = {
  bucket: id(stores.mailBucket),
  tracking: id(stores.trackingTable),
  quarantine: id(stores.quarantineTable),
  lists: id(stores.listsTable),
  reports: id(stores.reportsTable),
  unsubscribe: id(stores.unsubscribeTable),
  secret: id(stores.signingKeySecret),
  api: id(stack.adminApi.api),
  alarmTopic: id(pipeline.alarmTopic),
};

const resource = (t: Template, logical: string) => t.toJSON().Resources[logical];
const fnProps = (fn: GraywallFunction) => resource(template, id(fn.function)).Properties;
const statementsOf = (fn: GraywallFunction, t: Template = template) => statementsOfRole(t, id(fn.role));

const stages: Array<
  [string, StageQueue, GraywallFunction, { memory: number; timeout: number; batch: number }]
> = [
  // scan: the default 60 s scan budget + 30 s of I/O, one record per invocation (a batch would
  // need a budget per record); action: one SMTP transaction per invocation.
  ['scan', pipeline.inbound, pipeline.scanFunction, { memory: 1024, timeout: 90, batch: 1 }],
  ['graymail', pipeline.graymail, pipeline.graymailFunction, { memory: 512, timeout: 60, batch: 10 }],
  ['action', pipeline.action, pipeline.actionFunction, { memory: 512, timeout: 180, batch: 1 }],
];

describe('stage sizing from the configuration', () => {
  it("scan's timeout follows the scan budget, and scans and deliveries at once follow pipeline's concurrency settings", () => {
    const tuned = buildStack(
      exampleConfig({
        antispam: { scanTimeoutSeconds: 120 },
        pipeline: { deliveryConcurrency: 4, scanConcurrency: 20 },
      }),
    );
    const scan = tuned.stack.pipeline.scanFunction.function;
    expect(tuned.template.toJSON().Resources[logicalId(tuned.stack, scan)].Properties.Timeout).toBe(150);
    expect(
      tuned.template.toJSON().Resources[logicalId(tuned.stack, tuned.stack.pipeline.inbound.queue)].Properties
        .VisibilityTimeout,
    ).toBe(900);
    tuned.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(tuned.stack, tuned.stack.pipeline.actionFunction.function) },
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    tuned.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(tuned.stack, scan) },
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    // By default a burst of inbound mail scans at most 50 at once; graymail is bounded by them.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id(pipeline.scanFunction.function) },
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });
});

describe.each(stages)('the %s stage', (stage, queue, fn, size) => {
  const queueId = id(queue.queue);
  const dlqId = id(queue.deadLetterQueue);

  it('reads an encrypted queue that dead-letters after maxReceiveCount (delivery: deliveryAttempts) receives', () => {
    expect(resource(template, queueId).Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 4 * 24 * 3600,
      VisibilityTimeout: 6 * size.timeout,
      // Delivery has its own attempts (pipeline.deliveryAttempts, default 12, ~29 h of backoff).
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: stage === 'action' ? 12 : 3,
      },
    });
    expect(resource(template, dlqId).Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('refuses queue access without TLS, on the queue and its dead-letter queue', () => {
    for (const queueLogicalId of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueLogicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('alarms on the first dead-lettered message, notifying the alarm topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.alarmTopic }],
      AlarmDescription: Match.stringLikeRegexp(`${stage} stage`),
    });
  });

  it('alarms when its oldest waiting message has waited 30 minutes (stuck without failing)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1800,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.alarmTopic }],
      OKActions: [{ Ref: ids.alarmTopic }],
      AlarmDescription: Match.stringLikeRegexp(`${stage} stage`),
    });
  });

  it('alarms when a dead letter has waited 3 days, a week before SQS would delete it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 3 * 86_400,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.alarmTopic }],
      OKActions: [{ Ref: ids.alarmTopic }],
      AlarmDescription: Match.stringLikeRegexp(`${stage} stage's dead-letter queue for 3 days`),
    });
  });

  it('runs on Node.js 24, arm64, with its own memory, timeout and log group', () => {
    const props = fnProps(fn);
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: size.memory,
      Timeout: size.timeout,
      LoggingConfig: { LogGroup: { Ref: id(fn.logGroup) } },
      Role: { 'Fn::GetAtt': [id(fn.role), 'Arn'] },
    });
    expect(resource(template, id(fn.logGroup)).Properties.RetentionInDays).toBe(90);
  });

  it('is fed by its queue with partial batch failures reported', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: id(fn.function) },
      BatchSize: size.batch,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // Deliveries open sessions to the customer's mail server; scans share the account's
      // concurrency and the external engines. Graymail runs only as fast as scans feed it.
      ScalingConfig:
        stage === 'action'
          ? { MaximumConcurrency: 10 }
          : stage === 'scan'
            ? { MaximumConcurrency: 50 }
            : Match.absent(),
    });
  });

  it('has a role of its own, for Lambda only, with no managed policies', () => {
    const role = resource(template, id(fn.role));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('may consume its own queue and write its own log group', () => {
    const statements = statementsOf(fn);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining([
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
        ]),
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      }),
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [id(fn.logGroup), 'Arn'] },
    });
  });
});

describe('function environments', () => {
  const common = () => ({
    [ENV.bucket]: { Ref: ids.bucket },
    [ENV.trackingTable]: { Ref: ids.tracking },
    [ENV.quarantineTable]: { Ref: ids.quarantine },
    [ENV.listsTable]: { Ref: ids.lists },
    [ENV.reportsTable]: { Ref: ids.reports },
    [ENV.unsubscribeTable]: { Ref: ids.unsubscribe },
    // The secret's ARN (Ref of a secret), never its value.
    [ENV.signingKeySecret]: { Ref: ids.secret },
    [ENV.logLevel]: 'info',
    NODE_OPTIONS: '--enable-source-maps',
  });

  it('point scan at the graymail queue, graymail at the action queue, and action at no queue but at the public pages', () => {
    expect(fnProps(pipeline.scanFunction).Environment.Variables).toEqual({
      ...common(),
      [ENV.graymailQueueUrl]: { Ref: id(pipeline.graymail.queue) },
    });
    expect(fnProps(pipeline.graymailFunction).Environment.Variables).toEqual({
      ...common(),
      [ENV.actionQueueUrl]: { Ref: id(pipeline.action.queue) },
    });
    expect(fnProps(pipeline.actionFunction).Environment.Variables).toEqual({
      ...common(),
      // The unsubscribe links it writes into graymail: the API's endpoint (no publicUrl configured).
      [ENV.publicBaseUrl]: { 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] },
    });
  });

  it("name every variable lambda-env.ts names except GRAYWALL_CONFIG_FILE (the bundled file is the default) and the admin function's own (RETRAIN_FUNCTION, DIGEST_FUNCTION, DEAD_LETTER_QUEUES)", () => {
    const names = new Set(stages.flatMap(([, , fn]) => Object.keys(fnProps(fn).Environment.Variables)));
    for (const [key, name] of Object.entries(ENV)) {
      if (['configFile', 'retrainFunction', 'digestFunction', 'deadLetterQueues'].includes(key))
        expect(names).not.toContain(name);
      else expect(names).toContain(name);
    }
  });

  it('ship the statistical model with the scan function only', () => {
    expect(Object.keys(pipeline.scanFunction.bundledFiles)).toEqual([BUNDLED_MODEL_FILE]);
    expect(existsSync(pipeline.scanFunction.bundledFiles[BUNDLED_MODEL_FILE] as string)).toBe(true);
    expect(pipeline.graymailFunction.bundledFiles).toEqual({});
    expect(pipeline.actionFunction.bundledFiles).toEqual({});
  });
});

describe('least privilege', () => {
  it('scan reads raw mail, creates tracking records and sends to the graymail queue, nothing more', () => {
    const statements = statementsOf(pipeline.scanFunction);
    expect(actionsOn(statements, objectsArn(ids.bucket, 'incoming/*'))).toEqual(['s3:GetObject']);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [ids.tracking, 'Arn'] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [id(pipeline.graymail.queue), 'Arn'] },
    });
    expect(touches(statements, 'quarantine')).toEqual([]);
    expect(touches(statements, ids.quarantine)).toEqual([]);
  });

  it('scan follows the current model version: it may read and list under models/ only, and not write there', () => {
    const statements = statementsOf(pipeline.scanFunction);
    expect(actionsOn(statements, objectsArn(ids.bucket, 'models/*'))).toEqual(['s3:GetObject']);
    // Listing: the pointer is looked up before it is read (a GET of a missing key is a 403
    // without ListBucket), and only under models/.
    expect(statements.filter((s) => actionsOf(s).includes('s3:ListBucket'))).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['models/*'] } },
      },
    ]);
  });

  it('graymail and action scan nothing, so they cannot read model versions', () => {
    for (const fn of [pipeline.graymailFunction, pipeline.actionFunction]) {
      expect(touches(statementsOf(fn), 'models/')).toEqual([]);
    }
  });

  it('graymail reads raw mail, updates tracking and sends to the action queue, nothing more', () => {
    const statements = statementsOf(pipeline.graymailFunction);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: objectsArn(ids.bucket, 'incoming/*'),
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [ids.tracking, 'Arn'] },
    });
    expect(touches(statements, 'quarantine')).toEqual([]);
    expect(touches(statements, ids.quarantine)).toEqual([]);
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:PutItem');
  });

  it('action copies into quarantine/ and writes quarantine items, but sends to no queue', () => {
    const statements = statementsOf(pipeline.actionFunction);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: objectsArn(ids.bucket, 'quarantine/*'),
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:PutItem',
      Resource: { 'Fn::GetAtt': [ids.quarantine, 'Arn'] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:BatchGetItem',
      Resource: { 'Fn::GetAtt': [ids.lists, 'Arn'] },
    });
    expect(statements.flatMap(actionsOf)).not.toContain('sqs:SendMessage');
  });

  it('every stage adds to the report counters with UpdateItem only', () => {
    for (const [, , fn] of stages) {
      const reports = touches(statementsOf(fn), ids.reports);
      expect(reports).toEqual([
        { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [ids.reports, 'Arn'] } },
      ]);
    }
  });

  it('action offers unsubscribes (conditional put, read back on a retry) and may read the signing key', () => {
    const statements = statementsOf(pipeline.actionFunction);
    expect(touches(statements, ids.unsubscribe)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [ids.unsubscribe, 'Arn'] },
      },
    ]);
    expect(touches(statements, ids.secret)).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: ids.secret },
      },
    ]);
  });

  it('scan and graymail cannot touch the unsubscribe table or the signing key (they are only named in the environment)', () => {
    for (const fn of [pipeline.scanFunction, pipeline.graymailFunction]) {
      const statements = statementsOf(fn);
      expect(touches(statements, ids.unsubscribe)).toEqual([]);
      expect(touches(statements, ids.secret)).toEqual([]);
      expect(statements.flatMap(actionsOf).filter((action) => action.startsWith('secretsmanager:'))).toEqual(
        [],
      );
    }
  });

  it('action may archive or bounce only when a policy asks for it', () => {
    const plain = statementsOf(pipeline.actionFunction);
    expect(JSON.stringify(plain)).not.toContain('archive/');
    expect(plain.flatMap(actionsOf)).not.toContain('ses:SendBounce');

    const strict = buildStack(
      exampleConfig({
        bounceSender: 'postmaster@example.com',
        policies: {
          incoming: [
            {
              name: 'legal',
              recipients: ['legal@example.com'],
              suspect: { action: 'deliver', archive: true },
            },
            { name: 'no-spam', recipients: ['sales.example.com'], positive: { action: 'bounce' } },
          ],
        },
      }),
    );
    const identity = (name: string) => stackArn('ses', `:identity/${name}`);
    const statements = statementsOfRole(
      strict.template,
      logicalId(strict.stack, strict.stack.pipeline.actionFunction.role),
    );
    const strictBucket = logicalId(strict.stack, strict.stack.stores.mailBucket);
    expect(allows(statements, 's3:PutObject', objectsArn(strictBucket, 'archive/*'))).toBe(true);
    const bounce = statements.find((statement) => statement.Action === 'ses:SendBounce');
    expect(bounce?.Resource).toHaveLength(2);
    expect(bounce?.Resource).toEqual(
      expect.arrayContaining([identity('postmaster@example.com'), identity('example.com')]),
    );
  });

  it('lets exactly four functions touch quarantine/ objects: action writes, admin reads and deletes, the quarantine pages and the admin web page read', () => {
    // Every statement, in any policy, that names the mail bucket's objects under quarantine/.
    const byRole: Record<string, Statement[]> = {};
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      const statements = touches(policy.Properties.PolicyDocument.Statement as Statement[], '/quarantine/');
      for (const { Ref: role } of policy.Properties.Roles as Array<{ Ref: string }>) {
        if (statements.length > 0) byRole[role] = [...(byRole[role] ?? []), ...statements];
      }
    }
    const quarantined = objectsArn(ids.bucket, 'quarantine/*');
    expect(byRole).toEqual({
      // It copies held mail there.
      [id(pipeline.actionFunction.role)]: [
        { Effect: 'Allow', Action: 's3:PutObject', Resource: quarantined },
      ],
      // Release reads the copy; delete removes it.
      [id(stack.adminApi.adminFunction.role)]: [
        { Effect: 'Allow', Action: ['s3:DeleteObject', 's3:GetObject'], Resource: quarantined },
      ],
      // A recipient's release from a digest link reads the copy to deliver it: nothing more.
      [id(stack.digest.pagesFunction.role)]: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: quarantined },
      ],
      // So does an admin's release from the admin web page.
      [id(stack.adminUi.pagesFunction.role)]: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: quarantined },
      ],
    });
    // Nor does any function reach quarantine/ through a grant on all the bucket's objects.
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      const statements = policy.Properties.PolicyDocument.Statement as Statement[];
      for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'])
        expect(allows(statements, action, objectsArn(ids.bucket, '*'))).toBe(false);
    }
  });

  it('grants no wildcard actions and no resource "*" (except the SES rule-set calls, which IAM allows only on "*")', () => {
    const sesRoles = [
      id(stack.ingress.node.findChild('ActivationRole')),
      id((stack.ingress.node.findChild('RuleSetGuardFunction') as GraywallFunction).role),
    ];
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref);
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
        if (!roles.some((role) => sesRoles.includes(role))) expect(statement.Resource).not.toEqual('*');
      }
    }
  });

  it('grants no SES sending when delivery is SMTP', () => {
    for (const fn of [pipeline.actionFunction, stack.adminApi.adminFunction]) {
      expect(
        statementsOf(fn)
          .flatMap(actionsOf)
          .filter((action) => action.startsWith('ses:')),
      ).toEqual([]);
    }
  });

  it('lets action and admin send through SES only as the configured fromAddress when delivery is SES', () => {
    const ses = buildStack(
      exampleConfig({
        delivery: { type: 'ses', fromAddress: 'graywall@example.com', forwardDomain: 'example.net' },
      }),
    );
    const sesStack = ses.stack;
    for (const fn of [sesStack.pipeline.actionFunction, sesStack.adminApi.adminFunction]) {
      expect(statementsOfRole(ses.template, logicalId(sesStack, fn.role))).toContainEqual({
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: stackArn('ses', ':identity/*'),
        Condition: { StringEquals: { 'ses:FromAddress': 'graywall@example.com' } },
      });
    }
    for (const fn of [sesStack.pipeline.scanFunction, sesStack.pipeline.graymailFunction]) {
      const actions = statementsOfRole(ses.template, logicalId(sesStack, fn.role)).flatMap(actionsOf);
      expect(actions.filter((action) => action.startsWith('ses:'))).toEqual([]);
    }
  });
});

describe('the alarm topic', () => {
  it('is encrypted with a key CloudWatch may use for this account, TLS-only, and mails the configured address', () => {
    const topic = resource(template, ids.alarmTopic);
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    expect(resource(template, keyId).Properties).toMatchObject({ EnableKeyRotation: true });
    expect(resource(template, keyId).Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.alarmTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The topic policy replaces the default one: without this, no alarm could publish.
          {
            Sid: 'AllowPublisherServiceToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: ids.alarmTopic },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': stackArn('cloudwatch', ':alarm:*'),
              },
            },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: ids.alarmTopic },
      Protocol: 'email',
      Endpoint: built.config.alarms.email,
    });
  });

  it('has no subscription when no alarm email is configured', () => {
    const quiet = buildStack(exampleConfig({ alarms: {} }));
    quiet.template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
  });
});
