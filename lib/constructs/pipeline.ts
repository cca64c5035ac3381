import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_MODEL_PATH } from '../../functions/adapters/load-model.ts';
import type { ActionSettings } from '../../functions/core/config/policy-schema.ts';
import { bounceSenderOf, type GraywallConfig } from '../../functions/core/config/schema.ts';
import { ARCHIVE_PREFIX, INCOMING_PREFIX, QUARANTINE_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { MODELS_PREFIX } from '../../functions/core/models/model-record.ts';
import { SUBMISSIONS_PREFIX } from '../../functions/core/submissions/submission.ts';
import { BUNDLED_MODEL_FILE } from '../../functions/handlers/lambda-env.ts';
import { EncryptedTopic } from './encrypted-topic.ts';
import { functionEnvironment, GraywallFunction } from './graywall-function.ts';

/**
 * Seconds a record may take beyond its stage's own budget: reading the raw mail from S3 (up to
 * 40 MB), the tracking writes and the send to the next queue.
 */
export const IO_MARGIN_SECONDS = 30;

/**
 * The longest an action record can take: one SMTP transaction (connect and greeting bounded by
 * `delivery.connectTimeoutSeconds`, then up to 60 s of silence per step, see
 * functions/adapters/smtp-transport.ts) or one SES call, with the S3 read and tracking writes.
 */
export const ACTION_TIMEOUT_SECONDS = 180;

/**
 * Memory, timeout and batch size per stage, from the configuration. A Lambda timeout ends the
 * whole batch without its partial-batch response, so every record of the batch comes back and
 * counts a receive: each stage's timeout must cover its batch at its worst.
 * - scan: one record per invocation, timeout = the scan budget (`antispam.scanTimeoutSeconds`,
 *   which also bounds external engines) plus I/O. A batch of ten would need ten budgets: a hung
 *   external engine would then time out whole batches and dead-letter good mail with them.
 * - graymail: no outside calls and at most what a partial scan reads of a large message
 *   (bytesToRead), so ten records take seconds; 60 s leaves room.
 * - action: one record per invocation, each an SMTP transaction to the customer's server.
 * Scan gets the most memory (Lambda CPU scales with it).
 */
export function stageSizes(config: GraywallConfig) {
  return {
    scan: {
      memorySize: 1024,
      timeout: Duration.seconds(config.antispam.scanTimeoutSeconds + IO_MARGIN_SECONDS),
      batchSize: 1,
    },
    graymail: { memorySize: 512, timeout: Duration.seconds(60), batchSize: 10 },
    action: { memorySize: 512, timeout: Duration.seconds(ACTION_TIMEOUT_SECONDS), batchSize: 1 },
  } as const;
}

type StageSizes = ReturnType<typeof stageSizes>;

/** SQS keeps a message at most 14 days; dead letters get all of it to be looked at and redriven. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * Retention of the stage queues themselves. SQS keeps a message's original enqueue time when
 * it is dead-lettered, so the dead-letter queue must keep messages longer than the source
 * queue for a dead letter to have time left; with 4 days here it has at least 10.
 */
export const STAGE_QUEUE_RETENTION = Duration.days(4);

/** A message waiting this long for its stage means the stage is stuck or falling behind. */
export const QUEUE_AGE_ALARM = Duration.minutes(30);

/**
 * A dead letter this long in its queue is reminded of: the dead-letter alarm notifies once
 * and stays in ALARM while more arrive, and a dead letter expires at DEAD_LETTER_RETENTION
 * from its first enqueue, at least 10 days after it moved (STAGE_QUEUE_RETENTION). The DLQ's
 * age metric counts from the move (SQS Developer Guide, "dead-letter queue retention").
 */
export const DEAD_LETTER_AGE_ALARM = Duration.days(3);

export interface StageQueueProps {
  /** The stage the queue feeds, for descriptions and alarm names. */
  readonly stage: string;
  /** Six times the consuming function's timeout (AWS guidance for SQS event sources). */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Where the dead-letter alarm notifies. */
  readonly alarmTopic: ITopic;
}

/**
 * A stage's input queue with its own dead-letter queue and an alarm that fires as soon as one
 * message is dead-lettered. Both queues are encrypted (SQS-managed keys) and TLS-only.
 */
export class StageQueue extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly deadLetterAlarm: Alarm;
  /** Fires when the oldest waiting message is older than QUEUE_AGE_ALARM. */
  public readonly ageAlarm: Alarm;
  /** Fires when a dead letter has waited DEAD_LETTER_AGE_ALARM without being redriven. */
  public readonly deadLetterAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: StageQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: STAGE_QUEUE_RETENTION,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        `Graywall: a message failed the ${props.stage} stage ${props.maxReceiveCount} times and is in its dead-letter queue. ` +
        'The raw mail is kept in the mail bucket and the tracking record says why; fix the cause, then redrive ' +
        '(see the stack output with the redrive command).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // An idle queue publishes no data points; that is not a problem.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Mail that waits without failing: the consumer is throttled, its event source disabled, or
    // every attempt is being retried. No dead letter shows for it, and SQS drops a message that
    // outlives the queue's retention without dead-lettering it.
    this.ageAlarm = new Alarm(this, 'AgeAlarm', {
      alarmDescription:
        `Graywall: the oldest message waiting for the ${props.stage} stage has waited more than ` +
        `${QUEUE_AGE_ALARM.toMinutes()} minutes. Check the stage's errors and throttles and that its event source ` +
        'mapping is enabled (the raw mail is safe in the mail bucket meanwhile).',
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: QUEUE_AGE_ALARM.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAgeAlarm = new Alarm(this, 'DeadLetterAgeAlarm', {
      alarmDescription:
        `Graywall: a message has been in the ${props.stage} stage's dead-letter queue for ` +
        `${DEAD_LETTER_AGE_ALARM.toDays()} days. SQS deletes it ${DEAD_LETTER_RETENTION.toDays()} days after it first ` +
        'arrived (at least a week from now): fix the cause and redrive it before then (see the stack output with ' +
        'the redrive command).',
      metric: this.deadLetterQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.hours(1),
        statistic: 'Maximum',
      }),
      threshold: DEAD_LETTER_AGE_ALARM.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(props.alarmTopic);
    for (const alarm of [this.deadLetterAlarm, this.ageAlarm, this.deadLetterAgeAlarm]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}

/**
 * Every action setting the policies can apply: the default policy's and each incoming and
 * outgoing policy's, for spam verdicts and graymail categories alike.
 */
export function policyActionSettings(config: GraywallConfig): ActionSettings[] {
  const { default: fallback, incoming, outgoing } = config.policies;
  return [fallback, ...incoming, ...outgoing].flatMap((policy) =>
    [
      policy.positive,
      policy.suspect,
      policy.unscannable,
      policy.graymail?.marketing,
      policy.graymail?.social,
      policy.graymail?.bulk,
    ].filter((settings): settings is ActionSettings => settings !== undefined),
  );
}

export interface PipelineProps {
  /** The validated configuration: dead-letter threshold, alarm email, delivery type. */
  readonly config: GraywallConfig;
  /** Raw mail (`incoming/`) and quarantined copies (`quarantine/`). */
  readonly mailBucket: IBucket;
  /** Message tracking, written by every stage. */
  readonly trackingTable: ITableV2;
  /** Quarantine items, written by the action stage only. */
  readonly quarantineTable: ITableV2;
  /** Safelists and blocklists, read by the action stage. */
  readonly listsTable: ITableV2;
  /** Report counters, added to by every stage. */
  readonly reportsTable: ITableV2;
  /** Safe-unsubscribe requests: the action stage offers one per graymail recipient. */
  readonly unsubscribeTable: ITableV2;
  /** Signs the unsubscribe links the action stage puts into graymail. */
  readonly signingKeySecret: ISecret;
  /**
   * How long function logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The three pipeline stages, chained by SQS: inbound queue → scan → graymail queue →
 * graymail → action queue → action. SQS between stages (rather than one function or a Step
 * Functions workflow) gives each stage its own retries, its own dead-letter queue and alarm,
 * and lets a failed stage be redriven without repeating the stages before it; every stage is
 * idempotent on the SES message id, so SQS's at-least-once delivery is safe.
 *
 * Each event source mapping reports partial batch failures, so one bad message is retried
 * alone instead of with its whole batch.
 */
export class Pipeline extends Construct {
  /** Fed by SNS with SES receipt notifications (see MailIngress). */
  public readonly inbound: StageQueue;
  /** Scanned messages (compact verdicts) waiting for graymail classification. */
  public readonly graymail: StageQueue;
  /** Classified messages waiting for the policy and action stage. */
  public readonly action: StageQueue;
  /** Stage 1: parse, score, create the tracking record. */
  public readonly scanFunction: GraywallFunction;
  /** Stage 2: graymail classification. */
  public readonly graymailFunction: GraywallFunction;
  /** Stage 3: policy, then deliver, quarantine or drop. */
  public readonly actionFunction: GraywallFunction;
  /** Dead-letter alarms notify here; subscribed by email when `alarms.email` is configured. */
  public readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const {
      config,
      mailBucket,
      trackingTable,
      quarantineTable,
      listsTable,
      reportsTable,
      unsubscribeTable,
      signingKeySecret,
    } = props;

    this.alarmTopic = new EncryptedTopic(this, 'Alarms', {
      description: 'pipeline alarms',
      publisherService: 'cloudwatch.amazonaws.com',
      publisherSourceArn: Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    }).topic;
    if (config.alarms.email) this.alarmTopic.addSubscription(new EmailSubscription(config.alarms.email));

    const sizes = stageSizes(config);
    const stageQueue = (name: keyof StageSizes, stage: string) =>
      new StageQueue(this, `${stage}Queue`, {
        stage: name,
        visibilityTimeout: Duration.seconds(sizes[name].timeout.toSeconds() * 6),
        // Delivery waits out downstream outages: more attempts, spaced by the stage handler's backoff.
        maxReceiveCount:
          name === 'action' ? config.pipeline.deliveryAttempts : config.pipeline.maxReceiveCount,
        alarmTopic: this.alarmTopic,
      });
    this.inbound = stageQueue('scan', 'Inbound');
    this.graymail = stageQueue('graymail', 'Graymail');
    this.action = stageQueue('action', 'Action');

    const stores = {
      mailBucket,
      trackingTable,
      quarantineTable,
      listsTable,
      reportsTable,
      unsubscribeTable,
      signingKeySecret,
    };
    const stageFunction = (
      name: keyof StageSizes,
      fnId: string,
      description: string,
      nextQueue: { readonly graymailQueue?: IQueue; readonly actionQueue?: IQueue } = {},
      bundledFiles?: Record<string, string>,
    ) =>
      new GraywallFunction(this, fnId, {
        handler: name,
        description,
        ...(bundledFiles ? { bundledFiles } : {}),
        memorySize: sizes[name].memorySize,
        timeout: sizes[name].timeout,
        config,
        environment: functionEnvironment({ ...stores, ...nextQueue }),
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        delivers: name === 'action',
      });

    // Stage 1: scan. Creates the tracking record (and its per-recipient index items).
    this.scanFunction = stageFunction(
      'scan',
      'Scan',
      'Graywall stage 1: parse and score inbound mail',
      { graymailQueue: this.graymail.queue },
      // The trained statistical model, loaded once per container.
      { [BUNDLED_MODEL_FILE]: DEFAULT_MODEL_PATH },
    );
    this.scanFunction.allowObjects(mailBucket, INCOMING_PREFIX, ['s3:GetObject'], 'read the raw message');
    // The current model version: the pointer (models/current.json) and the promoted artifact,
    // re-read at most every model.refreshSeconds (functions/app/model-source.ts). Read only.
    this.scanFunction.allowObjects(
      mailBucket,
      MODELS_PREFIX,
      ['s3:GetObject'],
      'follow the current model version',
    );
    this.scanFunction.allowListing(mailBucket, MODELS_PREFIX);
    this.scanFunction.allowTable(trackingTable, ['GetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem']);
    this.scanFunction.allowSendTo(this.graymail.queue);
    // Counters are atomic ADDs on existing or new items.
    this.scanFunction.allowTable(reportsTable, ['UpdateItem']);
    // Submission mailboxes: the scan stage files what users forwarded there. Granted only
    // when the config has mailboxes; adding one redeploys this role with the config.
    if (config.submissions.mailboxes.length > 0) {
      this.scanFunction.allowObjects(
        mailBucket,
        SUBMISSIONS_PREFIX,
        ['s3:PutObject'],
        'file forwarded submissions',
      );
    }

    // Stage 2: graymail classification.
    this.graymailFunction = stageFunction(
      'graymail',
      'Graymail',
      'Graywall stage 2: classify marketing, social and bulk mail',
      { actionQueue: this.action.queue },
    );
    this.graymailFunction.allowObjects(mailBucket, INCOMING_PREFIX, ['s3:GetObject'], 'read the raw message');
    this.graymailFunction.allowTable(trackingTable, ['GetItem', 'UpdateItem']);
    this.graymailFunction.allowSendTo(this.action.queue);
    this.graymailFunction.allowTable(reportsTable, ['UpdateItem']);

    // Stage 3: policy and action. The only stage that writes quarantine.
    this.actionFunction = stageFunction(
      'action',
      'Action',
      'Graywall stage 3: apply the policy, deliver or quarantine',
    );
    this.actionFunction.allowObjects(mailBucket, INCOMING_PREFIX, ['s3:GetObject'], 'read the raw message');
    // CopyObject incoming/ → quarantine/ needs GetObject on the source (granted above) and
    // PutObject on the target; nothing in this stage reads quarantine/ back.
    this.actionFunction.allowObjects(
      mailBucket,
      QUARANTINE_PREFIX,
      ['s3:PutObject'],
      'copy a message into quarantine',
    );
    // Claims and per-recipient outcomes are conditional updates of the existing record.
    this.actionFunction.allowTable(trackingTable, ['GetItem', 'UpdateItem']);
    this.actionFunction.allowTable(quarantineTable, ['PutItem']);
    // One BatchGetItem of the list entries the sender could match.
    this.actionFunction.allowTable(listsTable, ['BatchGetItem']);
    this.actionFunction.allowTable(reportsTable, ['UpdateItem']);
    // Safe unsubscribe: store the sender's links (conditional put, read back on a retry) and
    // sign the recipient's link. PUBLIC_BASE_URL is set by the stack once the API exists.
    this.actionFunction.allowTable(unsubscribeTable, ['GetItem', 'PutItem']);
    this.actionFunction.allowSigningKey(signingKeySecret);
    this.actionFunction.allowDelivery(config);
    // Archiving and bouncing are granted only when some policy can ask for them; the config
    // is part of the deployment, so a policy that starts using them redeploys this role too.
    const settings = policyActionSettings(config);
    if (settings.some((action) => action.archive)) {
      this.actionFunction.allowObjects(mailBucket, ARCHIVE_PREFIX, ['s3:PutObject'], 'archive a copy');
    }
    if (settings.some((action) => action.action === 'bounce')) {
      this.actionFunction.allowBounce(bounceSenderOf(config));
    }

    const wire = (fn: GraywallFunction, queue: StageQueue, name: keyof StageSizes) =>
      fn.function.addEventSource(
        new SqsEventSource(queue.queue, {
          batchSize: sizes[name].batchSize,
          reportBatchItemFailures: true,
          // Deliveries open SMTP sessions to the customer's server: a burst or a redrive must
          // not open hundreds at once (Lambda would scale the poller to 1,000+ invocations).
          ...(name === 'action' ? { maxConcurrency: config.pipeline.deliveryConcurrency } : {}),
          // Nor may a burst of inbound mail take the account's Lambda concurrency, which the
          // admin API and the public pages share, or flood the external engines and DNS lists.
          ...(name === 'scan' ? { maxConcurrency: config.pipeline.scanConcurrency } : {}),
        }),
      );
    wire(this.scanFunction, this.inbound, 'scan');
    wire(this.graymailFunction, this.graymail, 'graymail');
    wire(this.actionFunction, this.action, 'action');
  }
}
