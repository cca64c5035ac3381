import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IConstruct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../functions/core/config/parse-config.ts';
import type { ConfigInput, GraywallConfig } from '../../functions/core/config/schema.ts';
import { GraywallStack, type GraywallStackProps } from '../../lib/graywall-stack.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLE_CONFIG_FILE = fileURLToPath(new URL('../../graywall.example.yaml', import.meta.url));

/** The context `npx cdk` passes the app: cdk.json's feature flags and settings. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/** The example config file with some top-level settings replaced, validated like any config. */
export function exampleConfig(overrides: Partial<ConfigInput> = {}): GraywallConfig {
  const example = parseYaml(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8')) as ConfigInput;
  return validateConfig({ ...example, ...overrides }, 'example config with overrides');
}

/**
 * An App as `cdk synth` would build it (cdk.json context), minus the two slow parts that
 * assertions do not need: esbuild bundling (the `aws:cdk:bundling-stacks` list is empty, as
 * `cdk ls` does) and the built-in CloudFormation validation.
 */
export function fastApp(): App {
  return new App({
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

export interface BuiltStack {
  readonly app: App;
  readonly stack: GraywallStack;
  readonly template: Template;
  readonly config: GraywallConfig;
}

export function buildStack(
  config: GraywallConfig = exampleConfig(),
  props: Omit<GraywallStackProps, 'config'> = {},
): BuiltStack {
  const app = fastApp();
  const stack = new GraywallStack(app, 'Graywall', { ...props, config });
  return { app, stack, template: Template.fromStack(stack), config };
}

/** The logical id of a construct's CloudFormation resource (its default child for L2s). */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.resolve(element.logicalId) as string;
}

/**
 * An ARN in the stack's own partition, region and account, as CDK writes it:
 * `arn:<partition>:<service>:<region>:<account>` followed by `rest` (strings and references).
 */
export function stackArn(service: string, ...rest: unknown[]): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        `:${service}:`,
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ...rest,
      ],
    ],
  };
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

/** Every IAM statement attached to a role (through AWS::IAM::Policy resources). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** `arn:…:bucket/<prefix>` as the template writes it for a bucket's objects. */
export function objectsArn(bucketLogicalId: string, pattern: string): unknown {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketLogicalId, 'Arn'] }, `/${pattern}`]] };
}

/** Whether some statement allows `action` on exactly `resource` (alone or among others). */
export function allows(statements: Statement[], action: string, resource: unknown): boolean {
  const wanted = JSON.stringify(resource);
  return statements.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      actionsOf(statement).includes(action) &&
      (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).some(
        (granted) => JSON.stringify(granted) === wanted,
      ),
  );
}

/**
 * The API routes under `scope` on which a cdk-nag finding `ruleId` is acknowledged, as
 * route key (`GET /u/{token}`) → the acknowledgement's reason.
 */
export function acknowledgedRoutes(scope: IConstruct, ruleId: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (id.replace(/^annotation::/i, '') !== ruleId) continue;
        const route = node.node.defaultChild as (CfnRoute & CfnElement) | undefined;
        found.set(route?.routeKey ?? node.node.path, reason);
      }
    }
    for (const child of node.node.children) visit(child);
  };
  visit(scope);
  return found;
}

/**
 * Every action the statements allow on exactly `resource` (alone or among others), sorted.
 * CDK merges statements with the same actions, so one grant can share a statement with another.
 */
export function actionsOn(statements: Statement[], resource: unknown): string[] {
  const wanted = JSON.stringify(resource);
  const actions = statements
    .filter(
      (statement) =>
        statement.Effect === 'Allow' &&
        (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).some(
          (granted) => JSON.stringify(granted) === wanted,
        ),
    )
    .flatMap(actionsOf);
  return [...new Set(actions)].sort();
}

/** The statements whose Resource mentions `needle` (a logical id, a prefix). */
export function touches(statements: Statement[], needle: string): Statement[] {
  return statements.filter((statement) => JSON.stringify(statement.Resource).includes(needle));
}

/** Whether two template fragments are the same JSON (intrinsics compare structurally). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
