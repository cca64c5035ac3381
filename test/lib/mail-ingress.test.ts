import { Match } from 'aws-cdk-lib/assertions';
import { TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import type { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import { buildStack, exampleConfig, logicalId, stackArn, statementsOfRole } from '../support/cdk-stack.ts';

const { stack, template } = buildStack(exampleConfig({ domains: ['example.com', 'example.org'] }));
const ids = {
  bucket: logicalId(stack, stack.stores.mailBucket),
  bucketPolicy: logicalId(stack, stack.stores.mailBucket.policy ?? stack),
  topic: logicalId(stack, stack.ingress.notificationTopic),
  inboundQueue: logicalId(stack, stack.pipeline.inbound.queue),
  inboundDlq: logicalId(stack, stack.pipeline.inbound.deadLetterQueue),
  ruleSet: logicalId(stack, stack.ingress.ruleSet),
  rule: logicalId(stack, stack.ingress.rule),
};

describe('the SES receipt rule', () => {
  it('accepts mail for the configured domains, scans it, and does not insist on TLS', () => {
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.resourceCountIs('AWS::SES::ReceiptRule', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: ids.ruleSet },
      Rule: Match.objectLike({
        Enabled: true,
        Recipients: ['example.com', 'example.org'],
        ScanEnabled: true,
        TlsPolicy: 'Optional',
      }),
    });
  });

  it('accepts only the configured addresses when recipients are given', () => {
    const narrowed = buildStack(
      exampleConfig({ domains: ['example.com'], recipients: ['Alice@Example.com', 'bob@example.com'] }),
    );
    narrowed.template.hasResourceProperties('AWS::SES::ReceiptRule', {
      // Lowercased, as the pipeline compares every recipient.
      Rule: Match.objectLike({ Recipients: ['alice@example.com', 'bob@example.com'] }),
    });
  });

  it('can require TLS from sending servers', () => {
    const strict = buildStack(exampleConfig(), { tlsPolicy: TlsPolicy.REQUIRE });
    strict.template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ TlsPolicy: 'Require' }),
    });
  });

  it('stores each message under incoming/ and publishes the receipt notification to the topic', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Actions: [
          {
            S3Action: {
              BucketName: { Ref: ids.bucket },
              ObjectKeyPrefix: 'incoming/',
              TopicArn: { Ref: ids.topic },
            },
          },
        ],
      }),
    });
  });

  it('is created only after the bucket policy that lets SES write to the bucket', () => {
    const rule = template.toJSON().Resources[ids.rule];
    expect(rule.DependsOn).toContain(ids.bucketPolicy);
  });

  it('lets SES write under incoming/ for this rule set only (aws:SourceArn), without a dependency cycle', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Deny',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, '/incoming/*']] },
            Condition: {
              StringNotLike: {
                'aws:SourceArn': stackArn(
                  'ses',
                  ':receipt-rule-set/',
                  { Ref: ids.ruleSet },
                  ':receipt-rule/*',
                ),
              },
            },
          },
        ]),
      },
    });
  });

  it('refuses more recipients than SES allows in one rule, with a clear error', () => {
    // (More than 100 `recipients` addresses are already refused by the config schema.)
    const many = Array.from({ length: 101 }, (_, i) => `d${i}.example.com`);
    expect(() => buildStack(exampleConfig({ domains: many }))).toThrow(ConfigError);
    expect(() => buildStack(exampleConfig({ domains: many }))).toThrow(
      /at most 100 per receipt rule \(got 101\)/,
    );
  });
});

describe('the receipt notification topic', () => {
  it('is encrypted with a rotated customer managed key that SES may use for this account only', () => {
    const topic = template.toJSON().Resources[ids.topic];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowPublisherServiceToEncrypt',
              Effect: 'Allow',
              Principal: { Service: 'ses.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ]),
        },
      }),
    });
    expect(template.toJSON().Resources[keyId].Type).toBe('AWS::KMS::Key');
  });

  it('refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  // enforceSSL writes a topic policy, which replaces the default one that let this account's
  // services publish: without this Allow, SES could not announce a single message.
  it('lets SES publish from our receipt rules, for this account only', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowPublisherServiceToPublish',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: ids.topic },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': stackArn(
                  'ses',
                  ':receipt-rule-set/',
                  { Ref: ids.ruleSet },
                  ':receipt-rule/*',
                ),
              },
            },
          },
        ]),
      },
    });
    // SES tests the topic when the rule is created: the policy must be in place by then.
    const policies = Object.entries(template.findResources('AWS::SNS::TopicPolicy')).filter(([, r]) =>
      JSON.stringify(r.Properties.Topics).includes(ids.topic),
    );
    expect(policies).toHaveLength(1);
    expect(template.toJSON().Resources[ids.rule].DependsOn).toContain(policies[0]?.[0]);
  });

  it('delivers raw to the inbound queue, with undeliverable notifications kept in its dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: ids.topic },
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [ids.inboundQueue, 'Arn'] },
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.inboundDlq, 'Arn'] } },
    });
    for (const queue of [ids.inboundQueue, ids.inboundDlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
              Condition: { ArnEquals: { 'aws:SourceArn': { Ref: ids.topic } } },
            },
          ]),
        },
      });
    }
  });
});

describe('activating the rule set', () => {
  const activation = () => {
    const resources = template.findResources('Custom::SesActiveReceiptRuleSet');
    expect(Object.keys(resources)).toHaveLength(1);
    const [id, resource] = Object.entries(resources)[0] as [string, Record<string, unknown>];
    return { id, resource: resource as { Properties: Record<string, unknown>; DependsOn: string[] } };
  };

  it('calls SetActiveReceiptRuleSet with our rule set on create and update, after the rule exists', () => {
    const { resource } = activation();
    for (const phase of ['Create', 'Update']) {
      const call = resource.Properties[phase] as { 'Fn::Join': [string, unknown[]] };
      const parts = call['Fn::Join'][1];
      expect(parts).toContainEqual({ Ref: ids.ruleSet });
      expect(JSON.stringify(parts)).toContain('"action\\":\\"SetActiveReceiptRuleSet\\"');
      expect(JSON.stringify(parts)).toContain('RuleSetName');
    }
    expect(resource.DependsOn).toContain(ids.rule);
    expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
  });

  it('never deactivates anything when deleted (turning activation off or replacing the set keeps inbound mail on)', () => {
    const { resource } = activation();
    expect(resource.Properties.Delete).toBeUndefined();
  });

  it('runs with a role that may only write its logs and call SetActiveReceiptRuleSet', () => {
    const roleId = logicalId(stack, stack.ingress.node.findChild('ActivationRole'));
    const statements = statementsOfRole(template, roleId);
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'ses:SetActiveReceiptRuleSet',
      Resource: '*',
    });
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
    );
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.absent(),
      ManagedPolicyArns: Match.absent(),
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      Description: 'Graywall: activates the SES receipt rule set',
    });
  });

  it('only reads which set is active when activation is off, so an existing active set is kept', () => {
    const manual = buildStack(exampleConfig(), { activateRuleSet: false });
    const [resource] = Object.values(
      manual.template.findResources('Custom::SesActiveReceiptRuleSet'),
    ) as Array<{
      Properties: Record<string, unknown>;
    }>;
    for (const phase of ['Create', 'Update']) {
      expect(JSON.stringify(resource?.Properties[phase])).toContain(
        '"action\\":\\"DescribeActiveReceiptRuleSet\\"',
      );
      expect(JSON.stringify(resource?.Properties[phase])).not.toContain('SetActiveReceiptRuleSet');
    }
    expect(resource?.Properties.Delete).toBeUndefined();
    manual.template.resourceCountIs('AWS::SES::ReceiptRule', 1);
    manual.template.resourceCountIs('Custom::GraywallReceiptRuleSetGuard', 1);
  });
});

describe('deleting the rule set', () => {
  it('goes through a guard that deactivates our set before deletion, only when it is the active one', () => {
    const guards = Object.values(template.findResources('Custom::GraywallReceiptRuleSetGuard')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(guards).toHaveLength(1);
    const guard = guards[0];
    const fn = stack.ingress.node.findChild('RuleSetGuardFunction') as GraywallFunction;
    expect(guard?.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [logicalId(stack, fn.function), 'Arn'] },
      RuleSetName: { Ref: ids.ruleSet },
    });
    // It refers to the rule set (Ref above), so CloudFormation deletes it, and runs its check, first.
    expect(statementsOfRole(template, logicalId(stack, fn.role))).toContainEqual({
      Effect: 'Allow',
      Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
      Resource: '*',
    });
  });
});

describe('an existing rule set (-c ruleSet=<name>)', () => {
  const into = buildStack(exampleConfig(), { existingRuleSetName: 'inbound-main' });
  const sourceArn = stackArn('ses', ':receipt-rule-set/inbound-main:receipt-rule/*');

  it('gets our rule, and no rule set of ours is created', () => {
    into.template.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    into.template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: 'inbound-main',
      Rule: Match.objectLike({ Enabled: true, ScanEnabled: true }),
    });
  });

  it('is neither activated nor deactivated: which set is active stays the organisation’s decision', () => {
    into.template.resourceCountIs('Custom::SesActiveReceiptRuleSet', 0);
    into.template.resourceCountIs('Custom::GraywallReceiptRuleSetGuard', 0);
    expect(into.stack.ingress.activation).toBeUndefined();
    expect(into.stack.ingress.guard).toBeUndefined();
  });

  it('lets SES write to the bucket and publish to the topic from rules of that set only', () => {
    into.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { Service: 'ses.amazonaws.com' },
            Condition: { StringNotLike: { 'aws:SourceArn': sourceArn } },
          }),
        ]),
      },
    });
    into.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowPublisherServiceToPublish',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': sourceArn } }),
          }),
        ]),
      },
    });
  });

  it('goes first in the set, as SES places a rule created without a position, or after the rule named', () => {
    expect(
      Object.values(into.template.findResources('AWS::SES::ReceiptRule'))[0]?.Properties.After,
    ).toBeUndefined();
    const after = buildStack(exampleConfig(), {
      existingRuleSetName: 'inbound-main',
      afterRuleName: 'journal',
    });
    after.template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: 'inbound-main',
      After: 'journal',
    });
    expect(() => buildStack(exampleConfig(), { afterRuleName: 'journal' })).toThrow(
      'ruleSetAfter names a rule of an existing rule set: give ruleSet too',
    );
  });

  it('must be a valid SES rule set name', () => {
    expect(() => buildStack(exampleConfig(), { existingRuleSetName: 'my rule set' })).toThrow(
      /ruleSet "my rule set": an SES rule set name is 1-64 letters/,
    );
    expect(() => buildStack(exampleConfig(), { existingRuleSetName: '-main' })).toThrow(ConfigError);
  });
});
