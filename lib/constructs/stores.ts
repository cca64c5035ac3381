import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  LISTS_TABLE,
  QUARANTINE_TABLE,
  REPORTS_TABLE,
  type TableDefinition,
  TRACKING_TABLE,
} from '../../functions/adapters/table-definitions.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { INCOMING_PREFIX, QUARANTINE_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { DEAD_LETTER_RETENTION } from './pipeline.ts';

export interface StoresProps {
  /**
   * Days a quarantined copy (`quarantine/`) is kept. The objects live one day longer than the
   * quarantine items (whose TTL is this many days) so a release at the last minute still
   * finds its mail.
   */
  readonly quarantineRetentionDays: number;
  /**
   * Days raw mail under `incoming/` is kept. It must outlive the 14-day dead-letter queue
   * retention, so a message still waiting for a redrive always finds its mail.
   * @default 30
   */
  readonly incomingRetentionDays?: number;
  /**
   * Days S3 server access logs for the mail bucket are kept.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * What happens to the mail bucket and the tables when the stack is deleted. Mail and its
   * history are the organisation's records, so they are kept unless told otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where Graywall keeps state: the mail bucket (raw mail under `incoming/`, quarantined copies
 * under `quarantine/`, archived copies under `archive/`), its access-log bucket, and the
 * DynamoDB tables for message tracking, quarantine and sender lists. Table layouts come from functions/adapters/table-definitions.ts, the same
 * definitions the local gateway creates its emulated tables from.
 */
export class Stores extends Construct {
  /** Raw mail. SES writes `incoming/<messageId>`; the action stage copies to `quarantine/`. */
  public readonly mailBucket: Bucket;
  /** Server access logs of the mail bucket. */
  public readonly accessLogBucket: Bucket;
  /** Message tracking: one record per message with every decision and event. */
  public readonly trackingTable: TableV2;
  /** Quarantined mail, one item per message and recipient. */
  public readonly quarantineTable: TableV2;
  /** Organisation-wide and per-recipient safelists and blocklists. */
  public readonly listsTable: TableV2;
  /** Report counters per day (incoming summary, top senders and recipients). */
  public readonly reportsTable: TableV2;

  constructor(scope: Construct, id: string, props: StoresProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const incomingDays = props.incomingRetentionDays ?? 30;
    const deadLetterDays = DEAD_LETTER_RETENTION.toDays();
    if (incomingDays <= deadLetterDays) {
      throw new ConfigError(
        `incoming mail must be kept longer than the ${deadLetterDays}-day dead-letter retention (got ${incomingDays} days)`,
      );
    }

    // Not logged itself (cdk-nag S1 accepts a bucket that is the access-log destination):
    // logging it into itself would loop.
    this.accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      // S3 server access logging delivers only to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 365) },
      ],
    });
    this.mailBucket = new Bucket(this, 'MailBucket', {
      // SSE-S3: SES inbound writes with the bucket's default encryption, so no key policy has
      // to let SES (and every function) use a KMS key; objects are still encrypted at rest.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'mail-bucket/',
      removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-incoming',
          prefix: INCOMING_PREFIX,
          expiration: Duration.days(incomingDays),
        },
        {
          id: 'expire-quarantine',
          prefix: QUARANTINE_PREFIX,
          expiration: Duration.days(props.quarantineRetentionDays + 1),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    this.trackingTable = tableFrom(this, 'TrackingTable', TRACKING_TABLE, removalPolicy);
    this.quarantineTable = tableFrom(this, 'QuarantineTable', QUARANTINE_TABLE, removalPolicy);
    this.listsTable = tableFrom(this, 'ListsTable', LISTS_TABLE, removalPolicy);
    this.reportsTable = tableFrom(this, 'ReportsTable', REPORTS_TABLE, removalPolicy);
  }
}

/** A table built from its shared definition: on-demand, PITR, TTL, string keys, the GSIs as defined. */
function tableFrom(
  scope: Construct,
  id: string,
  definition: TableDefinition,
  removalPolicy: RemovalPolicy,
): TableV2 {
  const key = (name: string) => ({ name, type: AttributeType.STRING });
  return new TableV2(scope, id, {
    partitionKey: key(definition.partitionKey),
    sortKey: key(definition.sortKey),
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: definition.ttlAttribute,
    ...(definition.indexes.length === 0
      ? {}
      : {
          globalSecondaryIndexes: definition.indexes.map((index) => ({
            indexName: index.name,
            partitionKey: key(index.partitionKey),
            sortKey: key(index.sortKey),
            projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
          })),
        }),
    removalPolicy,
  });
}
