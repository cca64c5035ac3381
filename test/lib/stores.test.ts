import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  LISTS_TABLE,
  QUARANTINE_TABLE,
  REPORTS_TABLE,
  type TableDefinition,
  TRACKING_TABLE,
  UNSUBSCRIBE_TABLE,
} from '../../functions/adapters/table-definitions.ts';
import { Stores } from '../../lib/constructs/stores.ts';
import { buildStack, exampleConfig, fastApp, logicalId, objectsArn } from '../support/cdk-stack.ts';

const { stack, template } = buildStack(exampleConfig({ quarantine: { retentionDays: 45 } }));
const mailBucketId = logicalId(stack, stack.stores.mailBucket);
const logBucketId = logicalId(stack, stack.stores.accessLogBucket);

describe('the mail bucket', () => {
  it('is private, encrypted with SSE-S3 and kept when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: 'mail-bucket/' },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expires raw mail after 30 days (beyond the 14-day DLQ retention) and quarantine after retention + 1 day', () => {
    const rules = template.toJSON().Resources[mailBucketId].Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'incoming/', ExpirationInDays: 30, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'quarantine/', ExpirationInDays: 46, Status: 'Enabled' }),
      ]),
    );
  });

  it('keeps archived copies until deleted unless archive.retentionDays says otherwise', () => {
    const rules = template.toJSON().Resources[mailBucketId].Properties.LifecycleConfiguration.Rules as Array<{
      Prefix?: string;
    }>;
    expect(rules.map((rule) => rule.Prefix)).not.toContain('archive/');
    const kept = buildStack(exampleConfig({ archive: { retentionDays: 2555 } }));
    const keptId = logicalId(kept.stack, kept.stack.stores.mailBucket);
    expect(kept.template.toJSON().Resources[keptId].Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'archive/', ExpirationInDays: 2555, Status: 'Enabled' }),
      ]),
    );
  });

  it('refuses to expire raw mail before a dead-lettered message could be redriven', () => {
    const app = fastApp();
    const scope = new Stack(app, 'Short');
    expect(
      () => new Stores(scope, 'Stores', { quarantineRetentionDays: 30, incomingRetentionDays: 14 }),
    ).toThrow(/longer than the 14-day dead-letter retention \(got 14 days\)/);
  });

  it('refuses requests without TLS and lets SES put objects under incoming/ for this account only', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: mailBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: objectsArn(mailBucketId, 'incoming/*'),
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
  });
});

describe('the access log bucket', () => {
  it('is private, encrypted, TLS-only, and only S3 log delivery for the mail bucket may write to it', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true }),
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Condition: Match.objectLike({
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [mailBucketId, 'Arn'] } },
            }),
          }),
        ]),
      },
    });
  });
});

describe.each([
  ['tracking', TRACKING_TABLE, () => stack.stores.trackingTable],
  ['quarantine', QUARANTINE_TABLE, () => stack.stores.quarantineTable],
  ['lists', LISTS_TABLE, () => stack.stores.listsTable],
  ['reports', REPORTS_TABLE, () => stack.stores.reportsTable],
  ['unsubscribe', UNSUBSCRIBE_TABLE, () => stack.stores.unsubscribeTable],
] as const)('the %s table', (_name, definition: TableDefinition, table) => {
  const resource = () => template.toJSON().Resources[logicalId(stack, table())];

  it('has the keys, string attributes and indexes of its shared definition', () => {
    const props = resource().Properties;
    expect(props.KeySchema).toEqual([
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' },
    ]);
    for (const attribute of props.AttributeDefinitions) expect(attribute.AttributeType).toBe('S');
    expect(props.GlobalSecondaryIndexes ?? []).toEqual(
      definition.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
    );
  });

  it('is on-demand, with TTL, point-in-time recovery, and kept when the stack is deleted', () => {
    // TableV2 synthesizes AWS::DynamoDB::GlobalTable (one replica: this region).
    expect(resource().Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(resource().DeletionPolicy).toBe('Retain');
    const props = resource().Properties;
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: definition.ttlAttribute, Enabled: true });
    expect(props.Replicas).toEqual([
      expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    ]);
  });
});

describe('the unsubscribe signing key', () => {
  const secretId = logicalId(stack, stack.stores.signingKeySecret);
  const secret = () => template.toJSON().Resources[secretId];

  it('is generated by Secrets Manager at deploy: 64 letters and digits, no value in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(secret().Properties).toEqual({
      Description: expect.stringContaining('unsubscribe'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
    // Nothing in the template carries a secret value; functions get the ARN, not the key.
    expect(JSON.stringify(template.toJSON())).not.toContain('"SecretString"');
    expect(template.findResources('AWS::SecretsManager::SecretTargetAttachment')).toEqual({});
    expect(template.findResources('AWS::SecretsManager::RotationSchedule')).toEqual({});
  });

  it('is kept when the stack is deleted, like the data whose links it signs', () => {
    expect(secret()).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('follows the data removal policy when that is DESTROY (test and demo stacks)', () => {
    const throwaway = buildStack(exampleConfig(), { dataRemovalPolicy: RemovalPolicy.DESTROY });
    const resource =
      throwaway.template.toJSON().Resources[
        logicalId(throwaway.stack, throwaway.stack.stores.signingKeySecret)
      ];
    expect(resource).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    const table =
      throwaway.template.toJSON().Resources[
        logicalId(throwaway.stack, throwaway.stack.stores.unsubscribeTable)
      ];
    expect(table).toMatchObject({ DeletionPolicy: 'Delete' });
  });
});
