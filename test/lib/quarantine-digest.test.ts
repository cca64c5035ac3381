import { describe, expect, it } from 'vitest';
import { QUARANTINE_TABLE } from '../../functions/adapters/table-definitions.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { ADMIN_UI_ROUTES } from '../../functions/handlers/admin-ui-routes.ts';
import { ENV } from '../../functions/handlers/lambda-env.ts';
import { PUBLIC_ROUTES } from '../../functions/handlers/public-routes.ts';
import type { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import {
  acknowledgedRoutes,
  actionsOf,
  type BuiltStack,
  buildStack,
  exampleConfig,
  logicalId,
  objectsArn,
  sameJson,
  stackArn,
  statementsOfRole,
  touches,
} from '../support/cdk-stack.ts';

// The example config: SMTP delivery, the digest on by default.
const built = buildStack();
const { stack } = built;
const { digest, stores } = stack;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const ids = {
  api: id(stack.adminApi.api),
  digest: id(digest.digestFunction.function),
  pages: id(digest.pagesFunction.function),
  unsubscribePages: id(stack.unsubscribe.pagesFunction.function),
  bucket: id(stores.mailBucket),
  tracking: id(stores.trackingTable),
  quarantine: id(stores.quarantineTable),
  lists: id(stores.listsTable),
  reports: id(stores.reportsTable),
  unsubscribe: id(stores.unsubscribeTable),
  secret: id(stores.signingKeySecret),
};
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (b: BuiltStack) => b.template.toJSON().Resources as Resources;
const resources = resourcesOf(built);
const ofType = (type: string, from: Resources = resources) =>
  Object.entries(from).filter(([, resource]) => resource.Type === type);
const routeKey = (route: { readonly method: string; readonly path: string }) =>
  `${route.method} ${route.path}`;
/** The digest's pages: the /q/ entries of PUBLIC_ROUTES (the /u/ ones are the unsubscribe pages'). */
const QUARANTINE_ROUTES = PUBLIC_ROUTES.filter((route) => route.path.startsWith('/q/'));
const quarantineKeys = new Set<string>(QUARANTINE_ROUTES.map(routeKey));
const pathOf = (key: unknown) => String(key).split(' ')[1] ?? '';
/** Every route on the API under /q/, whether PUBLIC_ROUTES names it or not. */
const quarantineRoutes = () =>
  ofType('AWS::ApiGatewayV2::Route').filter(([, route]) =>
    pathOf(route.Properties.RouteKey).startsWith('/q/'),
  );
const statementsOf = (fn: GraywallFunction, b: BuiltStack = built) =>
  statementsOfRole(b.template, logicalId(b.stack, fn.role));
const invokers = (b: BuiltStack, functionId: string) =>
  ofType('AWS::Lambda::Permission', resourcesOf(b)).filter(([, permission]) =>
    sameJson(permission.Properties.FunctionName, { 'Fn::GetAtt': [functionId, 'Arn'] }),
  );
/** The EventBridge rules that target a function. */
const rulesTargeting = (b: BuiltStack, functionId: string) =>
  ofType('AWS::Events::Rule', resourcesOf(b)).filter(([, rule]) =>
    (rule.Properties.Targets as Array<{ Arn: unknown }>).some((target) =>
      sameJson(target.Arn, { 'Fn::GetAtt': [functionId, 'Arn'] }),
    ),
  );

const table = (logical: string) => ({ 'Fn::GetAtt': [logical, 'Arn'] });
const index = (logical: string, name: string) => ({ 'Fn::Join': ['', [table(logical), `/index/${name}`]] });
const logs = (fn: GraywallFunction) => ({
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: { 'Fn::GetAtt': [id(fn.logGroup), 'Arn'] },
});
const secretRead = {
  Effect: 'Allow',
  Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  Resource: { Ref: ids.secret },
};
/** What allowDelivery grants when delivery goes through SES: send as the configured fromAddress only. */
const sesDelivery = (fromAddress: string) => ({
  Effect: 'Allow',
  Action: ['ses:SendEmail', 'ses:SendRawEmail'],
  Resource: stackArn('ses', ':identity/*'),
  Condition: { StringEquals: { 'ses:FromAddress': fromAddress } },
});

// The same stack delivering through SES (logical ids are path-based, so ids above still hold).
const sesFrom = 'graywall@example.com';
const ses = buildStack(
  exampleConfig({ delivery: { type: 'ses', fromAddress: sesFrom, forwardDomain: 'example.net' } }),
);

describe('the public quarantine routes', () => {
  it('are exactly the /q/ entries of the PUBLIC_ROUTES table, on the admin API (same domain)', () => {
    expect(QUARANTINE_ROUTES.map(routeKey).sort()).toEqual([
      'GET /q/{token}',
      'GET /q/{token}/allow/{messageId}',
      'GET /q/{token}/release/{messageId}',
      'POST /q/{token}/allow/{messageId}',
      'POST /q/{token}/release/{messageId}',
    ]);
    const routes = quarantineRoutes();
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual([...quarantineKeys].sort());
    for (const [, route] of routes) expect(route.Properties.ApiId).toEqual({ Ref: ids.api });
  });

  it('have no authorizer: the signed token in the path is the credential', () => {
    for (const [, route] of quarantineRoutes()) {
      expect(route.Properties.AuthorizationType).toBe('NONE');
      expect(route.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it('all go to the quarantine pages function through one Lambda proxy integration (payload 2.0), which no other route uses', () => {
    const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(([, integration]) =>
      sameJson(integration.Properties.IntegrationUri, table(ids.pages)),
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
      if (quarantineKeys.has(route.Properties.RouteKey as string))
        expect(route.Properties.Target).toEqual(target);
      else expect(route.Properties.Target).not.toEqual(target);
    }
    // A function of its own: the unsubscribe pages (/u/) must not have release rights.
    expect(ids.pages).not.toBe(ids.unsubscribePages);
  });

  it('may invoke the quarantine pages function only from the API, one permission per /q/ route', () => {
    const permissions = invokers(built, ids.pages);
    expect(permissions).toHaveLength(QUARANTINE_ROUTES.length);
    for (const [, permission] of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`{"Ref":"${ids.api}"},"/*/*/q/`);
    }
  });

  it('have their missing authorizer (AwsSolutions-APIG4) acknowledged, each with its reason, and no route beside the public pages does', () => {
    const acknowledged = acknowledgedRoutes(stack, 'AwsSolutions-APIG4');
    const onQuarantinePages = [...acknowledged.keys()].filter((key) => pathOf(key).startsWith('/q/'));
    expect(onQuarantinePages.sort()).toEqual([...quarantineKeys].sort());
    for (const key of quarantineKeys) {
      expect(acknowledged.get(key)).toMatch(
        /^Public quarantine page from a digest link: .*signed, expiring token/,
      );
    }
    // The rest are the unsubscribe pages (/u/) and the admin web page (/ui/, ADMIN_UI_ROUTES).
    expect([...acknowledged.keys()].sort()).toEqual(
      [...PUBLIC_ROUTES, ...ADMIN_UI_ROUTES].map(routeKey).sort(),
    );
  });
});

describe.each([
  ['digest', () => digest.digestFunction, { timeout: 600, role: 'Graywall digest function' }],
  ['quarantine pages', () => digest.pagesFunction, { timeout: 29, role: 'Graywall public-pages function' }],
])('the %s function', (_name, fn, expected) => {
  const props = () => resources[id(fn().function)]?.Properties as Record<string, unknown>;

  it('runs on Node.js 24, arm64, with its own timeout, log group and role (no managed policies)', () => {
    expect(props()).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: expected.timeout,
      LoggingConfig: { LogGroup: { Ref: id(fn().logGroup) } },
      Role: { 'Fn::GetAtt': [id(fn().role), 'Arn'] },
    });
    expect(resources[id(fn().logGroup)]?.Properties.RetentionInDays).toBe(90);
    // The role names the handler file: functions/handlers/digest.ts, public-pages.ts.
    expect(resources[id(fn().role)]?.Properties).toMatchObject({ Description: expected.role });
    expect(resources[id(fn().role)]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('gets every function’s environment plus the pages’ base URL (the API endpoint) for its links, and no queue', () => {
    expect((props().Environment as { Variables: unknown }).Variables).toEqual({
      [ENV.bucket]: { Ref: ids.bucket },
      [ENV.trackingTable]: { Ref: ids.tracking },
      [ENV.quarantineTable]: { Ref: ids.quarantine },
      [ENV.listsTable]: { Ref: ids.lists },
      [ENV.reportsTable]: { Ref: ids.reports },
      [ENV.unsubscribeTable]: { Ref: ids.unsubscribe },
      [ENV.signingKeySecret]: { Ref: ids.secret },
      [ENV.publicBaseUrl]: { 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] },
      [ENV.logLevel]: 'info',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('only offers unsubscribe links on release, cannot touch raw incoming mail, nor use a queue, nor send mailto: unsubscribes', () => {
    const statements = statementsOf(fn());
    // A release of graymail held with safe unsubscribe stores the sender's links (the pages
    // release; the digest function only lists).
    expect(touches(statements, ids.unsubscribe).flatMap(actionsOf)).toEqual(
      fn() === digest.pagesFunction ? ['dynamodb:GetItem', 'dynamodb:PutItem'] : [],
    );
    expect(JSON.stringify(statements)).not.toContain('incoming/');
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('sqs:'))).toEqual([]);
    // SES only through allowDelivery, and not at all with SMTP delivery (below).
    expect(actions.filter((action) => action.startsWith('ses:'))).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain('/index/*');
  });

  it('sends through SES only as the configured fromAddress when delivery is SES (allowDelivery), and nothing else changes', () => {
    const viaSes = statementsOf(fn(), ses);
    const sending = viaSes.filter((statement) => actionsOf(statement).some((a) => a.startsWith('ses:')));
    expect(sending).toEqual([sesDelivery(sesFrom)]);
    // No mailto: unsubscribe grant (From any address of the domains) slipped in.
    expect(JSON.stringify(viaSes)).not.toContain('StringLike');
    expect(viaSes.filter((statement) => !sending.includes(statement))).toEqual(statementsOf(fn()));
  });
});

describe('the digest function', () => {
  it('lists the quarantine by day (byDay) and claims items (UpdateItem), reads the signing key, and nothing else', () => {
    expect(QUARANTINE_TABLE.indexes.map((i) => i.name)).toContain('byDay');
    const statements = statementsOf(digest.digestFunction);
    expect(statements).toHaveLength(3);
    expect(statements).toEqual(
      expect.arrayContaining([
        logs(digest.digestFunction),
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query', 'dynamodb:UpdateItem'],
          Resource: [table(ids.quarantine), index(ids.quarantine, 'byDay')],
        },
        secretRead,
      ]),
    );
  });

  it('cannot read or release quarantined mail, nor touch tracking, lists or report counters', () => {
    const statements = statementsOf(digest.digestFunction);
    for (const other of [ids.bucket, ids.tracking, ids.lists, ids.reports]) {
      expect(touches(statements, other)).toEqual([]);
    }
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('s3:'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:GetItem');
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });
});

describe('the quarantine pages function', () => {
  it('reviews (byRecipient) and releases quarantine items, reads their copies, records the release, adds to the safelist, and nothing else', () => {
    expect(QUARANTINE_TABLE.indexes.map((i) => i.name)).toContain('byRecipient');
    const fn = digest.pagesFunction;
    const statements = statementsOf(fn);
    expect(statements).toHaveLength(8);
    expect(statements).toEqual(
      expect.arrayContaining([
        logs(fn),
        // Review lists the token's recipient's items; release reads the message's items (a
        // base-table Query), claims and moves one, and reads it back.
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          Resource: [table(ids.quarantine), index(ids.quarantine, 'byRecipient')],
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsArn(ids.bucket, 'quarantine/*') },
        // The tracking record: read for the scan result, appended to on release.
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: table(ids.tracking),
        },
        // "Always allow" puts the sender on the recipient's own safelist.
        { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: table(ids.lists) },
        { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: table(ids.reports) },
        secretRead,
        // Releasing graymail held with safe unsubscribe offers the recipient a link.
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: table(ids.unsubscribe),
        },
      ]),
    );
  });

  it('never lists the quarantine by day, deletes anything, or writes into the mail bucket', () => {
    const statements = statementsOf(digest.pagesFunction);
    expect(JSON.stringify(statements)).not.toContain('/index/byDay');
    const actions = statements.flatMap(actionsOf);
    for (const action of [
      's3:PutObject',
      's3:DeleteObject',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(actions).not.toContain(action);
    }
  });
});

describe('the digest schedule', () => {
  const schedules = (b: BuiltStack) => ofType('AWS::Scheduler::Schedule', resourcesOf(b));

  it('invokes the digest function on config.digest.schedule in digest.timeZone, retrying a failed invocation twice', () => {
    expect(built.config.digest).toMatchObject({
      enabled: true,
      schedule: 'cron(0 7 * * ? *)',
      timeZone: 'UTC',
    });
    expect(schedules(built).map(([logical]) => logical)).toEqual([
      id(digest.schedule as NonNullable<typeof digest.schedule>),
    ]);
    expect(schedules(built)[0]?.[1].Properties).toMatchObject({
      ScheduleExpression: built.config.digest.schedule,
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: table(ids.digest),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      },
    });
    // A daily run at 07:00 Berlin time stays at 07:00 there across daylight-saving changes.
    const berlin = buildStack(exampleConfig({ digest: { timeZone: 'Europe/Berlin' } }));
    expect(schedules(berlin)[0]?.[1].Properties.ScheduleExpressionTimezone).toBe('Europe/Berlin');
  });

  it('is the only thing allowed to invoke the digest function: its own role, assumed by Scheduler for this account', () => {
    // No resource policy: Scheduler invokes with the schedule's role.
    expect(invokers(built, ids.digest)).toEqual([]);
    const target = schedules(built)[0]?.[1].Properties.Target as {
      RoleArn: { 'Fn::GetAtt': [string, string] };
    };
    const roleId = target.RoleArn['Fn::GetAtt'][0];
    const role = resourcesOf(built)[roleId];
    if (!role) throw new Error(`no role ${roleId}`);
    expect((role.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: expect.objectContaining({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }),
        },
      }),
    ]);
    // Exactly the function: no `:*` (every version and alias) as grantInvoke would add.
    expect(statementsOfRole(built.template, roleId)).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: table(ids.digest) },
    ]);
    for (const [, mapping] of ofType('AWS::Lambda::EventSourceMapping')) {
      expect(mapping.Properties.FunctionName).not.toEqual({ Ref: ids.digest });
    }
    for (const [, integration] of ofType('AWS::ApiGatewayV2::Integration')) {
      expect(integration.Properties.IntegrationUri).not.toEqual(table(ids.digest));
    }
  });

  it('uses a custom schedule as given', () => {
    const twice = buildStack(exampleConfig({ digest: { schedule: 'rate(12 hours)' } }));
    expect(schedules(twice)).toHaveLength(1);
    expect(schedules(twice)[0]?.[1].Properties.ScheduleExpression).toBe('rate(12 hours)');
  });

  it('is absent with digest.enabled false; the function and the pages stay (for links already sent, and on demand)', () => {
    const off = buildStack(exampleConfig({ digest: { enabled: false } }));
    expect(off.config.digest.enabled).toBe(false);
    expect(off.stack.digest.schedule).toBeUndefined();
    const digestId = logicalId(off.stack, off.stack.digest.digestFunction.function);
    expect(resourcesOf(off)[digestId]?.Type).toBe('AWS::Lambda::Function');
    expect(rulesTargeting(off, digestId)).toEqual([]);
    expect(schedules(off)).toEqual([]);
    expect(invokers(off, digestId)).toEqual([]);
    // Only the unsubscribe retry and model retraining schedules are left.
    expect(ofType('AWS::Events::Rule', resourcesOf(off)).map(([logical]) => logical)).toEqual([
      logicalId(off.stack, off.stack.unsubscribe.retrySchedule),
      logicalId(off.stack, off.stack.modelTraining.schedule),
    ]);
    const pagesId = logicalId(off.stack, off.stack.digest.pagesFunction.function);
    expect(resourcesOf(off)[pagesId]?.Type).toBe('AWS::Lambda::Function');
    const keys = ofType('AWS::ApiGatewayV2::Route', resourcesOf(off)).map(
      ([, route]) => route.Properties.RouteKey,
    );
    expect(keys).toEqual(expect.arrayContaining([...quarantineKeys]));
    expect(invokers(off, pagesId)).toHaveLength(QUARANTINE_ROUTES.length);
  });
});

describe('digest configuration', () => {
  it('refuses a schedule EventBridge would not accept, saying what it must look like', () => {
    expect(() => exampleConfig({ digest: { schedule: 'daily at 7' } })).toThrow(ConfigError);
    expect(() => exampleConfig({ digest: { schedule: 'daily at 7' } })).toThrow(
      'digest.schedule: must be an EventBridge schedule: rate(1 day), rate(N hours|days) with N ≥ 1, or cron(minutes hours day-of-month month day-of-week year) with ? in day-of-month or day-of-week, e.g. cron(0 7 * * ? *) (got "daily at 7")',
    );
    for (const schedule of [
      'rate(1 hours)',
      'rate(0 days)',
      'rate(5 minutes)',
      'cron(0 7 * * * *)',
      'cron(nonsense!)',
    ]) {
      expect(() => exampleConfig({ digest: { schedule } })).toThrow(ConfigError);
    }
  });

  it('uses unsubscribe.publicUrl as PUBLIC_BASE_URL for the digest links and the pages behind them', () => {
    const publicUrl = 'https://mail.example.com';
    const fronted = buildStack(exampleConfig({ unsubscribe: { publicUrl } }));
    const variables = (fn: GraywallFunction) =>
      resourcesOf(fronted)[logicalId(fronted.stack, fn.function)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      };
    for (const fn of [fronted.stack.digest.digestFunction, fronted.stack.digest.pagesFunction]) {
      expect(variables(fn).Variables[ENV.publicBaseUrl]).toBe(publicUrl);
    }
  });
});

describe('digest failures', () => {
  it('raise an alarm on the alarm topic when a digest run fails', () => {
    const alarm = resources[id(digest.failureAlarm)] as { Properties: Record<string, unknown> };
    expect(alarm.Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.digest.digestFunction.function) } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(stack, stack.pipeline.alarmTopic) }],
    });
  });
});
