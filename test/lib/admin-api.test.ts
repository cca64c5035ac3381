import { describe, expect, it } from 'vitest';
import { QUARANTINE_TABLE, TRACKING_TABLE } from '../../functions/adapters/table-definitions.ts';
import { ADMIN_ROUTES } from '../../functions/handlers/admin-routes.ts';
import { ADMIN_UI_ROUTES } from '../../functions/handlers/admin-ui-routes.ts';
import { ENV } from '../../functions/handlers/lambda-env.ts';
import { PUBLIC_ROUTES } from '../../functions/handlers/public-routes.ts';
import {
  actionsOn,
  buildStack,
  logicalId,
  objectsArn,
  type Statement,
  statementsOfRole,
} from '../support/cdk-stack.ts';

const { stack, template } = buildStack();
const { adminApi, stores } = stack;
const ids = {
  api: logicalId(stack, adminApi.api),
  fn: logicalId(stack, adminApi.adminFunction.function),
  role: logicalId(stack, adminApi.adminFunction.role),
  accessLogs: logicalId(stack, adminApi.accessLogGroup),
  bucket: logicalId(stack, stores.mailBucket),
  tracking: logicalId(stack, stores.trackingTable),
  quarantine: logicalId(stack, stores.quarantineTable),
  lists: logicalId(stack, stores.listsTable),
  reports: logicalId(stack, stores.reportsTable),
  unsubscribe: logicalId(stack, stores.unsubscribeTable),
  secret: logicalId(stack, stores.signingKeySecret),
};
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

const routeKey = (route: { readonly method: string; readonly path: string }) =>
  `${route.method} ${route.path}`;
const adminKeys = new Set<string>(ADMIN_ROUTES.map(routeKey));
/** The API's routes that ADMIN_ROUTES names (the others are the public unsubscribe pages). */
const adminRoutes = () =>
  ofType('AWS::ApiGatewayV2::Route').filter(([, route]) =>
    adminKeys.has(route.Properties.RouteKey as string),
  );

describe('the admin API routes', () => {
  it('are exactly the ADMIN_ROUTES table, beside the PUBLIC_ROUTES and ADMIN_UI_ROUTES pages: one route per entry and no catch-all', () => {
    const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(
      [
        ...ADMIN_ROUTES.map(routeKey),
        ...PUBLIC_ROUTES.map(routeKey),
        ...ADMIN_UI_ROUTES.map(routeKey),
      ].sort(),
    );
    // No public route shadows or doubles an admin one.
    for (const route of [...PUBLIC_ROUTES, ...ADMIN_UI_ROUTES])
      expect(adminKeys).not.toContain(routeKey(route));
    expect(adminRoutes()).toHaveLength(ADMIN_ROUTES.length);
  });

  it('all require IAM (SigV4) authorisation; only the PUBLIC_ROUTES and ADMIN_UI_ROUTES pages go without', () => {
    for (const [, route] of adminRoutes()) {
      expect(route.Properties).toMatchObject({ ApiId: { Ref: ids.api }, AuthorizationType: 'AWS_IAM' });
    }
    const publicKeys = new Set<string>([...PUBLIC_ROUTES, ...ADMIN_UI_ROUTES].map(routeKey));
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      if (route.Properties.AuthorizationType !== 'AWS_IAM')
        expect(publicKeys).toContain(route.Properties.RouteKey);
    }
  });

  it('all go to the admin function through one Lambda proxy integration (payload 2.0) that nothing else uses', () => {
    const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(
      ([, integration]) =>
        JSON.stringify(integration.Properties.IntegrationUri) ===
        JSON.stringify({ 'Fn::GetAtt': [ids.fn, 'Arn'] }),
    );
    expect(integrations).toHaveLength(1);
    const [integrationId, integration] = integrations[0] as [string, { Properties: Record<string, unknown> }];
    expect(integration.Properties).toMatchObject({
      ApiId: { Ref: ids.api },
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    const target = { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] };
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      // Admin routes reach the admin function; the public pages never do.
      if (adminKeys.has(route.Properties.RouteKey as string)) expect(route.Properties.Target).toEqual(target);
      else expect(route.Properties.Target).not.toEqual(target);
    }
    const permissions = ofType('AWS::Lambda::Permission').filter(
      ([, permission]) =>
        JSON.stringify(permission.Properties.FunctionName) ===
        JSON.stringify({ 'Fn::GetAtt': [ids.fn, 'Arn'] }),
    );
    expect(permissions).toHaveLength(ADMIN_ROUTES.length);
    for (const [, permission] of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
    }
  });
});

interface StageProperties {
  readonly AccessLogSettings: { readonly Format: string };
  readonly [key: string]: unknown;
}

describe('the default stage', () => {
  const stage = () => {
    const stages = ofType('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    return stages[0]?.[1].Properties as unknown as StageProperties;
  };

  it('deploys automatically, throttles, and writes JSON access logs to its log group', () => {
    expect(stage()).toMatchObject({
      ApiId: { Ref: ids.api },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [ids.accessLogs, 'Arn'] } },
    });
    expect(resources[ids.accessLogs]?.Properties.RetentionInDays).toBe(365);
  });

  it('logs who called what: a JSON line with the request id, the IAM caller and the route', () => {
    const format = JSON.parse(stage().AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      userArn: '$context.identity.userArn',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
  });
});

describe('the admin function', () => {
  const statements = () => statementsOfRole(template, ids.role);

  it('runs on Node.js 24, arm64, within the HTTP API integration timeout', () => {
    expect(resources[ids.fn]?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 29,
    });
  });

  it('reads and deletes quarantined copies, and only reads raw incoming mail', () => {
    expect(statements()).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:DeleteObject', 's3:GetObject'],
      Resource: objectsArn(ids.bucket, 'quarantine/*'),
    });
    // Reading incoming/ is for copying a reported message into its submission.
    const incoming = statements().filter((s: Statement) => JSON.stringify(s.Resource).includes('incoming/'));
    expect(incoming).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsArn(ids.bucket, 'incoming/*') },
    ]);
  });

  it('files, reads and lists submissions and model versions, and lists nothing else in the bucket', () => {
    expect(actionsOn(statements(), objectsArn(ids.bucket, 'submissions/*'))).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
    const listing = statements().filter((s: Statement) => JSON.stringify(s.Action).includes('s3:ListBucket'));
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

  it('reads model versions and writes the pointer and records on rollback: get and put under models/, nothing else', () => {
    expect(actionsOn(statements(), objectsArn(ids.bucket, 'models/*'))).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
    // No other grant names a key under models/ (e.g. a delete of the pointer or of an artifact).
    const models = statements().filter((s: Statement) => JSON.stringify(s.Resource).includes('/models/'));
    expect(models.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort()).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
  });

  it('queries the tables and their named indexes (no index wildcard), and updates items', () => {
    const indexArns = (table: string, names: readonly string[]) => [
      { 'Fn::GetAtt': [table, 'Arn'] },
      ...names.map((name) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, `/index/${name}`]] })),
    ];
    const byResource = (table: string) =>
      statements().find((statement: Statement) => JSON.stringify(statement.Resource).includes(table));
    expect(byResource(ids.tracking)).toMatchObject({
      Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    });
    expect(byResource(ids.quarantine)).toMatchObject({
      Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    });
    for (const [table, definition] of [
      [ids.tracking, TRACKING_TABLE],
      [ids.quarantine, QUARANTINE_TABLE],
    ] as const) {
      const expected = indexArns(
        table,
        definition.indexes.map((index) => index.name),
      );
      const granted = byResource(table)?.Resource as unknown[];
      expect(granted).toHaveLength(expected.length);
      expect(granted).toEqual(expect.arrayContaining(expected));
    }
    expect(JSON.stringify(statements())).not.toContain('/index/*');
  });

  it('lists, adds and removes safelist and blocklist entries', () => {
    expect(statements()).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: { 'Fn::GetAtt': [ids.lists, 'Arn'] },
    });
  });

  it('can redrive each stage: start move tasks from the dead-letter queues back to the stage queues, nothing else', () => {
    const arns = (queues: Array<Parameters<typeof logicalId>[1]>) =>
      queues
        .map((q) => ({ 'Fn::GetAtt': [logicalId(stack, q), 'Arn'] }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const stages = [stack.pipeline.inbound, stack.pipeline.graymail, stack.pipeline.action];
    const sqs = statements().filter((st) => JSON.stringify(st.Action).includes('sqs:'));
    expect(sqs).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ListMessageMoveTasks',
          'sqs:ReceiveMessage',
          'sqs:StartMessageMoveTask',
        ],
        Resource: arns(stages.map((q) => q.deadLetterQueue)),
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arns(stages.map((q) => q.queue)) },
    ]);
    const environment = resources[ids.fn]?.Properties.Environment as { Variables: Record<string, unknown> };
    expect(JSON.stringify(environment.Variables[ENV.deadLetterQueues])).toContain(
      logicalId(stack, stack.pipeline.action.deadLetterQueue),
    );
    // `graywall redeliver` sends a message back to the action stage (SendMessage, above).
    expect(environment.Variables[ENV.actionQueueUrl]).toEqual({
      Ref: logicalId(stack, stack.pipeline.action.queue),
    });
  });

  it('reads the report counters and adds to them', () => {
    expect(statements()).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:Query', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [ids.reports, 'Arn'] },
    });
  });

  it('only offers unsubscribe links when it releases held graymail: get and put requests, nothing else', () => {
    const unsubscribe = statements().filter((s: Statement) =>
      JSON.stringify(s.Resource).includes(ids.unsubscribe),
    );
    expect(unsubscribe).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [ids.unsubscribe, 'Arn'] },
      },
    ]);
    expect(resources[ids.fn]?.Properties.Environment).toMatchObject({
      Variables: { [ENV.unsubscribeTable]: { Ref: ids.unsubscribe } },
    });
  });

  it('can send the quarantine digests on demand (POST /admin/digests): reads the signing key, knows the pages’ base URL', () => {
    // sendDigests signs each digest's links and writes them under PUBLIC_BASE_URL; it lists
    // the quarantine by day and claims items (both granted above).
    expect(ADMIN_ROUTES.map(routeKey)).toContain('POST /admin/digests');
    expect(statements().filter((statement) => JSON.stringify(statement).includes('secretsmanager:'))).toEqual(
      [
        {
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: { Ref: ids.secret },
        },
      ],
    );
    expect(resources[ids.fn]?.Properties.Environment).toMatchObject({
      Variables: {
        [ENV.signingKeySecret]: { Ref: ids.secret },
        [ENV.publicBaseUrl]: { 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] },
      },
    });
  });
});
