import { describe, expect, it } from 'vitest';
import { UNSUBSCRIBE_TABLE } from '../../functions/adapters/table-definitions.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { ADMIN_UI_ROUTES } from '../../functions/handlers/admin-ui-routes.ts';
import { ENV } from '../../functions/handlers/lambda-env.ts';
import { PUBLIC_ROUTES } from '../../functions/handlers/public-routes.ts';
import type { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import {
  acknowledgedRoutes,
  actionsOf,
  buildStack,
  exampleConfig,
  logicalId,
  sameJson,
  stackArn,
  statementsOfRole,
  touches,
} from '../support/cdk-stack.ts';

// Two domains, so the SES grant is seen naming each domain's identity and address pattern.
const built = buildStack(exampleConfig({ domains: ['example.com', 'example.org'] }));
const { stack, template } = built;
const { unsubscribe, stores } = stack;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const ids = {
  api: id(stack.adminApi.api),
  pages: id(unsubscribe.pagesFunction.function),
  retry: id(unsubscribe.retryFunction.function),
  rule: id(unsubscribe.retrySchedule),
  bucket: id(stores.mailBucket),
  tracking: id(stores.trackingTable),
  quarantine: id(stores.quarantineTable),
  lists: id(stores.listsTable),
  reports: id(stores.reportsTable),
  unsubscribe: id(stores.unsubscribeTable),
  secret: id(stores.signingKeySecret),
};
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const routeKey = (route: { readonly method: string; readonly path: string }) =>
  `${route.method} ${route.path}`;
/** The unsubscribe pages' routes: the /u/ entries of PUBLIC_ROUTES (the /q/ ones are the digest's). */
const UNSUBSCRIBE_ROUTES = PUBLIC_ROUTES.filter((route) => route.path.startsWith('/u/'));
const publicKeys = new Set<string>(UNSUBSCRIBE_ROUTES.map(routeKey));
const pathOf = (key: unknown) => String(key).split(' ')[1] ?? '';
/** Every route on the API under /u/, whether PUBLIC_ROUTES names it or not. */
const publicRoutes = () =>
  ofType('AWS::ApiGatewayV2::Route').filter(([, route]) =>
    pathOf(route.Properties.RouteKey).startsWith('/u/'),
  );
const statementsOf = (fn: GraywallFunction) => statementsOfRole(template, id(fn.role));

describe('the public unsubscribe routes', () => {
  it('are exactly the /u/ entries of the PUBLIC_ROUTES table, on the admin API (same domain)', () => {
    expect(UNSUBSCRIBE_ROUTES.map(routeKey).sort()).toEqual([
      'GET /u/{token}',
      'GET /u/{token}/status',
      'POST /u/{token}',
    ]);
    const routes = publicRoutes();
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual([...publicKeys].sort());
    for (const [, route] of routes) expect(route.Properties.ApiId).toEqual({ Ref: ids.api });
  });

  it('have no authorizer: the signed token in the path is the credential', () => {
    for (const [, route] of publicRoutes()) {
      expect(route.Properties.AuthorizationType).toBe('NONE');
      expect(route.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it('all go to the pages function through one Lambda proxy integration (payload 2.0)', () => {
    const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(([, integration]) =>
      sameJson(integration.Properties.IntegrationUri, { 'Fn::GetAtt': [ids.pages, 'Arn'] }),
    );
    expect(integrations).toHaveLength(1);
    const [integrationId, integration] = integrations[0] as [string, { Properties: Record<string, unknown> }];
    expect(integration.Properties).toMatchObject({
      ApiId: { Ref: ids.api },
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    const target = { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] };
    // The /u/ routes, and only they, use it: the digest's /q/ pages run in a function of their
    // own, with the quarantine rights these pages must not have.
    expect(ids.pages).not.toBe(id(stack.digest.pagesFunction.function));
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      if (publicKeys.has(route.Properties.RouteKey as string))
        expect(route.Properties.Target).toEqual(target);
      else expect(route.Properties.Target).not.toEqual(target);
    }
  });

  it('may invoke the pages function only from the API, one permission per /u/ route', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, permission]) =>
      sameJson(permission.Properties.FunctionName, { 'Fn::GetAtt': [ids.pages, 'Arn'] }),
    );
    expect(permissions).toHaveLength(UNSUBSCRIBE_ROUTES.length);
    for (const [, permission] of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`{"Ref":"${ids.api}"},"/*/*/u/`);
    }
  });

  it('have their missing authorizer (AwsSolutions-APIG4) acknowledged, each with its reason; beside them only the /q/ digest pages and the /ui/ admin web page', () => {
    const acknowledged = acknowledgedRoutes(stack, 'AwsSolutions-APIG4');
    // No admin route is among them: only the PUBLIC_ROUTES and ADMIN_UI_ROUTES pages go without IAM.
    expect([...acknowledged.keys()].sort()).toEqual(
      [...PUBLIC_ROUTES, ...ADMIN_UI_ROUTES].map(routeKey).sort(),
    );
    for (const key of publicKeys) {
      expect(acknowledged.get(key)).toMatch(/^Public safe-unsubscribe page: .*signed, expiring token/);
    }
  });
});

describe.each([
  ['pages', () => unsubscribe.pagesFunction, { timeout: 29 }],
  ['retry', () => unsubscribe.retryFunction, { timeout: 300 }],
])('the %s function', (_name, fn, size) => {
  const props = () => resources[id(fn().function)]?.Properties as Record<string, unknown>;

  it('runs on Node.js 24, arm64, with its own timeout, log group and role (no managed policies)', () => {
    expect(props()).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: size.timeout,
      LoggingConfig: { LogGroup: { Ref: id(fn().logGroup) } },
      Role: { 'Fn::GetAtt': [id(fn().role), 'Arn'] },
    });
    expect(resources[id(fn().logGroup)]?.Properties.RetentionInDays).toBe(90);
    expect(resources[id(fn().role)]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('gets every function’s environment plus the pages’ base URL (the API endpoint), and no queue', () => {
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

  it('appends to tracking with UpdateItem only, and reads the signing key only', () => {
    const statements = statementsOf(fn());
    expect(touches(statements, ids.tracking)).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [ids.tracking, 'Arn'] } },
    ]);
    expect(
      statements.filter((s) => actionsOf(s).some((action) => action.startsWith('secretsmanager:'))),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: ids.secret },
      },
    ]);
  });

  it('sends mailto: unsubscribes through SES only From addresses in the configured domains', () => {
    const identity = (domain: string) => stackArn('ses', `:identity/${domain}`);
    const ses = statementsOf(fn()).filter((s) => actionsOf(s).some((action) => action.startsWith('ses:')));
    expect(ses).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [identity('example.com'), identity('example.org')],
        Condition: { StringLike: { 'ses:FromAddress': ['*@example.com', '*@example.org'] } },
      },
    ]);
  });

  it('cannot touch the mail bucket, quarantine, lists or report counters, nor send to a queue', () => {
    const statements = statementsOf(fn());
    for (const other of [ids.bucket, ids.quarantine, ids.lists, ids.reports]) {
      expect(touches(statements, other)).toEqual([]);
    }
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((action) => action.startsWith('s3:') || action.startsWith('sqs:'))).toEqual([]);
    // Nothing but its logs, the two tables, the key and SES.
    expect(statements).toHaveLength(5);
  });

  it('never creates or deletes unsubscribe requests (the action stage offers them)', () => {
    const actions = touches(statementsOf(fn()), ids.unsubscribe).flatMap(actionsOf);
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Scan',
    ]) {
      expect(actions).not.toContain(action);
    }
    expect(JSON.stringify(statementsOf(fn()))).not.toContain('/index/*');
  });
});

describe('unsubscribe table access', () => {
  const table = { 'Fn::GetAtt': [ids.unsubscribe, 'Arn'] };
  const index = (name: string) => ({ 'Fn::Join': ['', [table, `/index/${name}`]] });

  it('the pages read the one request a token names and claim it, with no index', () => {
    expect(touches(statementsOf(unsubscribe.pagesFunction), ids.unsubscribe)).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: table },
    ]);
  });

  it('the retry worker queries the byDue index only, then reads and updates the requests', () => {
    expect(UNSUBSCRIBE_TABLE.indexes.map((i) => i.name)).toEqual(['byDue']);
    expect(touches(statementsOf(unsubscribe.retryFunction), ids.unsubscribe)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: [table, index('byDue')],
      },
    ]);
  });
});

describe('the retry schedule', () => {
  it('invokes the retry function every 5 minutes, retrying a failed invocation twice', () => {
    // The other rule is the digest schedule (test/lib/quarantine-digest.test.ts).
    const rules = ofType('AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${ids.retry}"`),
    );
    expect(rules.map(([logical]) => logical)).toEqual([ids.rule]);
    expect(rules[0]?.[1].Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [ids.retry, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
  });

  it('is the only thing allowed to invoke the retry function', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, permission]) =>
      sameJson(permission.Properties.FunctionName, { 'Fn::GetAtt': [ids.retry, 'Arn'] }),
    );
    expect(permissions.map(([, permission]) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [ids.retry, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ids.rule, 'Arn'] },
      },
    ]);
    // Not fed by a queue either.
    for (const [, mapping] of ofType('AWS::Lambda::EventSourceMapping')) {
      expect(mapping.Properties.FunctionName).not.toEqual({ Ref: ids.retry });
    }
  });
});

describe('unsubscribe configuration', () => {
  it('refuses unsubscribe.allowLoopback: true with a ConfigError that says to remove it', () => {
    const loopback = exampleConfig({ unsubscribe: { allowLoopback: true } });
    expect(loopback.unsubscribe.allowLoopback).toBe(true);
    expect(() => buildStack(loopback)).toThrow(ConfigError);
    expect(() => buildStack(loopback)).toThrow(
      'unsubscribe.allowLoopback is for the local gateway and tests only: remove it before deploying',
    );
  });

  it('uses unsubscribe.publicUrl as PUBLIC_BASE_URL for the pages, the retry worker and the action stage', () => {
    const publicUrl = 'https://unsubscribe.example.com';
    const fronted = buildStack(exampleConfig({ unsubscribe: { publicUrl } }));
    const variables = (fn: GraywallFunction) =>
      fronted.template.toJSON().Resources[logicalId(fronted.stack, fn.function)].Properties.Environment
        .Variables;
    for (const fn of [
      fronted.stack.unsubscribe.pagesFunction,
      fronted.stack.unsubscribe.retryFunction,
      fronted.stack.pipeline.actionFunction,
    ]) {
      expect(variables(fn)[ENV.publicBaseUrl]).toBe(publicUrl);
    }
    expect(fronted.template.toJSON().Outputs.UnsubscribePagesUrl.Value).toBe(publicUrl);
    // The routes stay on the API: the configured domain fronts it.
    const keys = Object.values(
      fronted.template.toJSON().Resources as Record<
        string,
        { Type: string; Properties: { RouteKey?: string } }
      >,
    )
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((resource) => resource.Properties.RouteKey);
    expect(keys).toEqual(expect.arrayContaining([...publicKeys]));
  });
});
