import { type Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { GraywallStack } from '../../lib/graywall-stack.ts';
import { buildStack, exampleConfig, fastApp } from '../support/cdk-stack.ts';

const smtp = buildStack();
// Every conditional grant switched on: SES sending, archiving, bouncing.
const ses = buildStack(
  exampleConfig({
    domains: ['example.com'],
    recipients: ['alice@example.com'],
    delivery: {
      type: 'ses',
      fromAddress: 'graywall@example.com',
      forward: { 'alice@example.com': 'alice@example.net' },
    },
    policies: {
      incoming: [
        { name: 'strict', recipients: ['alice@example.com'], positive: { action: 'bounce', archive: true } },
      ],
    },
    alarms: {},
  }),
);

// The delivering functions in a VPC (the role takes AWS's VPC-access managed policy), logging in
// with a secret's credentials.
const vpc = buildStack(
  exampleConfig({
    delivery: {
      type: 'smtp',
      host: 'mail.internal.example.com',
      port: 25,
      vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] },
      tls: 'required',
      auth: { secret: 'graywall/relay-login' },
    },
  }),
);

function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

/** Every acknowledgement recorded under `scope`: [construct path, rule id, reason]. */
function acknowledgements(scope: IConstruct): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  const visit = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push([node.node.path, id.replace(/^annotation::/i, ''), reason]);
      }
    }
    for (const child of node.node.children) visit(child);
  };
  visit(scope);
  return found;
}

/** The findings cdk-nag would report if nothing were acknowledged. */
function findingsIgnoringAcknowledgements(stack: Stack): Set<string> {
  const pack = new AwsSolutionsChecks();
  // NagPack.isAcknowledged is private; replacing it on this one instance shows the raw findings.
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return new Set(pack.validateScope(stack).violations.map((violation) => violation.ruleName));
}

describe.each([
  ['SMTP delivery', smtp],
  ['SES forwarding, archiving and bouncing', ses],
  ['SMTP delivery from a VPC with a login', vpc],
])('cdk-nag AwsSolutions with %s', (_name, built) => {
  it('reports no unacknowledged finding', () => {
    expect(findings(built.stack)).toEqual([]);
  });

  it('has a specific reason for every acknowledgement', () => {
    const acks = acknowledgements(built.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const [path, id, reason] of acks) {
      expect(id, path).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(reason.trim().length, `${id} at ${path}`).toBeGreaterThan(40);
    }
  });

  it('acknowledges only findings that exist (no stale acknowledgement hides a future one)', () => {
    const raw = findingsIgnoringAcknowledgements(built.stack);
    for (const [path, id] of acknowledgements(built.stack)) expect(raw, `${id} at ${path}`).toContain(id);
  });
});

describe('cdk-nag in the app', () => {
  it('fails synthesis on an unacknowledged finding, as bin/app.ts registers it', () => {
    const app = fastApp();
    const stack = new GraywallStack(app, 'Graywall', { config: exampleConfig() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new Queue(stack, 'QueueWithoutDeadLetterQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('lets the stack synthesize when registered', () => {
    const app = fastApp();
    new GraywallStack(app, 'Graywall', { config: exampleConfig() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
