import { describe, expect, it } from 'vitest';
import { QUARANTINE_TABLE } from '../../functions/adapters/table-definitions.ts';
import { ADMIN_ROUTES } from '../../functions/handlers/admin-routes.ts';
import { ADMIN_UI_ROUTES } from '../../functions/handlers/admin-ui-routes.ts';
import { ENV } from '../../functions/handlers/lambda-env.ts';
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
  statementsOfRole,
} from '../support/cdk-stack.ts';

// The example config: SMTP delivery.
const built = buildStack();
const { stack } = built;
const { adminUi, stores } = stack;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const ids = {
  api: id(stack.adminApi.api),
  pages: id(adminUi.pagesFunction.function),
  admin: id(stack.adminApi.adminFunction.function),
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
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const routeKey = (route: { readonly method: string; readonly path: string }) =>
  `${route.method} ${route.path}`;
const uiKeys = new Set<string>(ADMIN_UI_ROUTES.map(routeKey));
const pathOf = (key: unknown) => String(key).split(' ')[1] ?? '';
/** Every route on the API under /ui/, whether ADMIN_UI_ROUTES names it or not. */
const uiRoutes = () =>
  ofType('AWS::ApiGatewayV2::Route').filter(([, route]) =>
    pathOf(route.Properties.RouteKey).startsWith('/ui/'),
  );
const statementsOf = (fn: GraywallFunction, b: BuiltStack = built) =>
  statementsOfRole(b.template, logicalId(b.stack, fn.role));
const arn = (logical: string) => ({ 'Fn::GetAtt': [logical, 'Arn'] });
const index = (logical: string, name: string) => ({ 'Fn::Join': ['', [arn(logical), `/index/${name}`]] });

describe('the admin web page routes', () => {
  it('are exactly the ADMIN_UI_ROUTES table, on the admin API (same domain as the session links)', () => {
    expect(ADMIN_UI_ROUTES.map(routeKey).sort()).toEqual([
      'GET /ui/{token}',
      'GET /ui/{token}/quarantine',
      'POST /ui/{token}/release/{messageId}',
    ]);
    const routes = uiRoutes();
    expect(routes.map(([, route]) => route.Properties.RouteKey).sort()).toEqual([...uiKeys].sort());
    for (const [, route] of routes) expect(route.Properties.ApiId).toEqual({ Ref: ids.api });
  });

  it('have no authorizer: the signed session token in the path is the credential', () => {
    for (const [, route] of uiRoutes()) {
      expect(route.Properties.AuthorizationType).toBe('NONE');
      expect(route.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it('are issued their session links by an IAM-authorised admin route', () => {
    expect(ADMIN_ROUTES.map(routeKey)).toContain('POST /admin/ui-session');
    const issuing = ofType('AWS::ApiGatewayV2::Route').find(
      ([, route]) => route.Properties.RouteKey === 'POST /admin/ui-session',
    );
    expect(issuing?.[1].Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('have their missing authorizer (AwsSolutions-APIG4) acknowledged, each with its reason', () => {
    const acknowledged = acknowledgedRoutes(stack, 'AwsSolutions-APIG4');
    const onUi = [...acknowledged.keys()].filter((key) => pathOf(key).startsWith('/ui/'));
    expect(onUi.sort()).toEqual([...uiKeys].sort());
    for (const key of uiKeys) {
      expect(acknowledged.get(key)).toMatch(
        /^Admin web page: browsers cannot sign requests with SigV4, so it is authorised by the signed, expiring session token in the path, which only the IAM-authorised admin API .* issues/,
      );
    }
  });

  it('all go to the admin web page function through one Lambda proxy integration (payload 2.0), which no other route uses', () => {
    const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(([, integration]) =>
      sameJson(integration.Properties.IntegrationUri, arn(ids.pages)),
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
      if (uiKeys.has(route.Properties.RouteKey as string)) expect(route.Properties.Target).toEqual(target);
      else expect(route.Properties.Target).not.toEqual(target);
    }
    // A function of its own, not the admin API's (which can delete and edit lists).
    expect(ids.pages).not.toBe(ids.admin);
  });

  it('may invoke the function only from the API, one permission per /ui/ route', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, permission]) =>
      sameJson(permission.Properties.FunctionName, arn(ids.pages)),
    );
    expect(permissions).toHaveLength(ADMIN_UI_ROUTES.length);
    for (const [, permission] of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`{"Ref":"${ids.api}"},"/*/*/ui/`);
    }
  });
});

describe('the admin web page function', () => {
  const fn = adminUi.pagesFunction;
  const props = () => resources[ids.pages]?.Properties as Record<string, unknown>;

  it('runs Node.js 24 on arm64 with the API timeout and its own role and log group', () => {
    expect(props()).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 29,
      Role: arn(id(fn.role)),
      LoggingConfig: { LogGroup: { Ref: id(fn.logGroup) } },
    });
    expect(String(props().Description)).toContain('admin web page');
    expect((props().Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      [ENV.reportsTable]: { Ref: ids.reports },
      [ENV.quarantineTable]: { Ref: ids.quarantine },
      [ENV.trackingTable]: { Ref: ids.tracking },
      [ENV.signingKeySecret]: { Ref: ids.secret },
    });
  });

  it('reads reports, searches and releases quarantine items, reads their copies, records the release, reads the key, and nothing else', () => {
    expect(QUARANTINE_TABLE.indexes.map((i) => i.name)).toEqual(
      expect.arrayContaining(['byRecipient', 'byDay']),
    );
    const statements = statementsOf(fn);
    expect(statements).toHaveLength(8);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: arn(id(fn.logGroup)),
        },
        // The overview reads the day counters; a release counts itself.
        {
          Effect: 'Allow',
          Action: ['dynamodb:Query', 'dynamodb:UpdateItem'],
          Resource: arn(ids.reports),
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          Resource: [
            arn(ids.quarantine),
            index(ids.quarantine, 'byDay'),
            index(ids.quarantine, 'byRecipient'),
          ],
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsArn(ids.bucket, 'quarantine/*') },
        // "Release, not spam" files the message as a submission: write-only, under submissions/.
        { Effect: 'Allow', Action: 's3:PutObject', Resource: objectsArn(ids.bucket, 'submissions/*') },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: arn(ids.tracking),
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Resource: { Ref: ids.secret },
        },
        // Releasing graymail held with safe unsubscribe offers each recipient a link.
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: arn(ids.unsubscribe) },
      ]),
    );
  });

  it('cannot delete, write mail (only submissions), edit lists, use a queue or send mail with SMTP delivery', () => {
    const statements = statementsOf(fn);
    const text = JSON.stringify(statements);
    expect(text).not.toContain(`"${ids.lists}"`);
    expect(text).not.toContain('incoming/');
    expect(text).not.toContain('/index/*');
    const actions = statements.flatMap(actionsOf);
    const puts = statements.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
    expect(puts.map((statement) => statement.Resource)).toEqual([objectsArn(ids.bucket, 'submissions/*')]);
    for (const action of [
      's3:DeleteObject',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
      'dynamodb:BatchWriteItem',
    ])
      expect(actions).not.toContain(action);
    expect(actions.filter((action) => action.startsWith('sqs:') || action.startsWith('ses:'))).toEqual([]);
  });

  it('sends through SES only as the configured fromAddress when delivery is SES, and nothing else changes', () => {
    const sesFrom = 'graywall@example.com';
    const ses = buildStack(
      exampleConfig({ delivery: { type: 'ses', fromAddress: sesFrom, forwardDomain: 'example.net' } }),
    );
    const viaSes = statementsOf(ses.stack.adminUi.pagesFunction, ses);
    const sending = viaSes.filter((statement) => actionsOf(statement).some((a) => a.startsWith('ses:')));
    expect(sending).toHaveLength(1);
    expect(sending[0]).toMatchObject({
      Action: ['ses:SendEmail', 'ses:SendRawEmail'],
      Condition: { StringEquals: { 'ses:FromAddress': sesFrom } },
    });
    expect(viaSes.filter((statement) => !sending.includes(statement))).toEqual(statementsOf(fn));
  });
});

describe('the admin function', () => {
  it('signs the session links: it reads the signing key and knows the public base URL', () => {
    const admin = resources[ids.admin]?.Properties as { Environment: { Variables: Record<string, unknown> } };
    expect(admin.Environment.Variables[ENV.publicBaseUrl]).toEqual({
      'Fn::GetAtt': [ids.api, 'ApiEndpoint'],
    });
    const statements = statementsOf(stack.adminApi.adminFunction);
    expect(
      statements.some(
        (statement) =>
          actionsOf(statement).includes('secretsmanager:GetSecretValue') &&
          sameJson(statement.Resource, { Ref: ids.secret }),
      ),
    ).toBe(true);
  });
});
