import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { TlsPolicy } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { GraywallConfig } from '../functions/core/config/schema.ts';
import { ConfigError } from '../functions/core/errors.ts';
import { ENV } from '../functions/handlers/lambda-env.ts';
import { AdminApi } from './constructs/admin-api.ts';
import { AdminUi } from './constructs/admin-ui.ts';
import { MailIngress } from './constructs/mail-ingress.ts';
import { ModelTraining } from './constructs/model-training.ts';
import { graywallFunctionsUnder, Monitoring } from './constructs/monitoring.ts';
import { Pipeline, type StageQueue } from './constructs/pipeline.ts';
import { QuarantineDigest } from './constructs/quarantine-digest.ts';
import { Stores } from './constructs/stores.ts';
import { UnsubscribeService } from './constructs/unsubscribe-service.ts';

export interface GraywallStackProps extends StackProps {
  /** The validated configuration (functions/adapters/config-file.ts loadConfigFile). */
  readonly config: GraywallConfig;
  /**
   * Make the stack's SES receipt rule set the active one in this account and region.
   * @default true
   */
  readonly activateRuleSet?: boolean;
  /**
   * Add the receipt rule to this existing rule set instead of creating one (see MailIngress).
   * @default - a rule set of our own
   */
  readonly existingRuleSetName?: string;
  /**
   * With `existingRuleSetName`: the rule of that set ours goes after (see MailIngress).
   * @default - first in the set
   */
  readonly afterRuleName?: string;
  /**
   * Whether SES refuses mail not received over TLS.
   * @default TlsPolicy.OPTIONAL
   */
  readonly tlsPolicy?: TlsPolicy;
  /**
   * What happens to mail and tracking data when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
}

/**
 * Graywall in one stack: SES inbound → mail bucket + receipt notification → inbound queue →
 * scan → graymail → action, the DynamoDB stores, the admin API, the public pages (safe
 * unsubscribe, quarantine digest) and the digest schedule. Environment-agnostic (no
 * lookups), so it synthesizes offline without credentials.
 */
export class GraywallStack extends Stack {
  public readonly stores: Stores;
  public readonly pipeline: Pipeline;
  public readonly ingress: MailIngress;
  public readonly adminApi: AdminApi;
  public readonly unsubscribe: UnsubscribeService;
  public readonly digest: QuarantineDigest;
  /** The retraining job: scheduled, and started by the admin API ("update now"). */
  public readonly modelTraining: ModelTraining;
  /** The admin web page (/ui/{token}): reports as charts, quarantine search and release. */
  public readonly adminUi: AdminUi;
  /** The CloudWatch dashboard, and the stage error and scan latency alarms. */
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: GraywallStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.stores = new Stores(this, 'Stores', {
      quarantineRetentionDays: config.quarantine.retentionDays,
      ...(config.archive.retentionDays === undefined
        ? {}
        : { archiveRetentionDays: config.archive.retentionDays }),
      removalPolicy: props.dataRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (config.unsubscribe.allowLoopback) {
      // Loopback targets let a link in mail make us call ourselves: fine against local test
      // servers, never in AWS.
      throw new ConfigError(
        'unsubscribe.allowLoopback is for the local gateway and tests only: remove it before deploying',
      );
    }
    // Lambda outside a VPC cannot open connections to port 25: every delivery would time out,
    // be retried for a day and dead-letter. Refused here rather than found in production.
    const inVpc = config.delivery.type === 'smtp' && config.delivery.vpc !== undefined;
    if (config.delivery.type === 'smtp' && config.delivery.port === 25 && !inVpc) {
      throw new ConfigError(
        'delivery.port 25: Lambda cannot connect to port 25 from outside a VPC. Use a port your server accepts relayed mail on (587), or set delivery.vpc (private subnets routed through a NAT gateway)',
      );
    }
    const port25 = alternateHostsOnPort25(config);
    if (port25.length > 0 && !inVpc) {
      throw new ConfigError(
        `${port25.join(', ')}: Lambda cannot connect to port 25 from outside a VPC. Name another port (host:587), or set delivery.vpc (SMTP delivery from private subnets routed through a NAT gateway)`,
      );
    }
    const {
      mailBucket,
      trackingTable,
      quarantineTable,
      listsTable,
      reportsTable,
      unsubscribeTable,
      signingKeySecret,
    } = this.stores;
    const data = {
      mailBucket,
      trackingTable,
      quarantineTable,
      listsTable,
      reportsTable,
      unsubscribeTable,
      signingKeySecret,
    };

    this.pipeline = new Pipeline(this, 'Pipeline', { config, ...data });

    this.ingress = new MailIngress(this, 'Ingress', {
      // A non-empty recipient list narrows SES to those addresses; otherwise whole domains.
      recipients: acceptedRecipients(config),
      mailBucket,
      inboundQueue: this.pipeline.inbound.queue,
      notificationDeadLetterQueue: this.pipeline.inbound.deadLetterQueue,
      ...(props.tlsPolicy ? { tlsPolicy: props.tlsPolicy } : {}),
      ...(props.activateRuleSet === undefined ? {} : { activateRuleSet: props.activateRuleSet }),
      ...(props.existingRuleSetName === undefined ? {} : { existingRuleSetName: props.existingRuleSetName }),
      ...(props.afterRuleName === undefined ? {} : { afterRuleName: props.afterRuleName }),
    });

    this.adminApi = new AdminApi(this, 'AdminApi', { config, ...data });
    this.unsubscribe = new UnsubscribeService(this, 'Unsubscribe', {
      config,
      ...data,
      api: this.adminApi.api,
    });
    this.digest = new QuarantineDigest(this, 'Digest', {
      config,
      ...data,
      api: this.adminApi.api,
      publicBaseUrl: this.unsubscribe.publicBaseUrl,
      alarmTopic: this.pipeline.alarmTopic,
    });
    // The action stage writes links to the public pages into graymail.
    this.pipeline.actionFunction.function.addEnvironment(ENV.publicBaseUrl, this.unsubscribe.publicBaseUrl);
    // Releases from the admin API sign unsubscribe links and point them at the public pages.
    this.adminApi.adminFunction.function.addEnvironment(ENV.publicBaseUrl, this.unsubscribe.publicBaseUrl);
    this.adminApi.adminFunction.allowSigningKey(signingKeySecret);
    // `graywall digest send` (POST /admin/digests) invokes the digest function in the
    // background: a run over many recipients outlasts the API's 30 s.
    this.digest.digestFunction.allowStartBy(this.adminApi.adminFunction, ENV.digestFunction);
    // `graywall redrive <stage>` (POST /admin/redrive/{stage}) starts an SQS message move task
    // from the stage's dead-letter queue back to its queue: the caller needs to read and delete
    // on the source and send to the destination (SQS StartMessageMoveTask permissions).
    const stageQueues = {
      inbound: this.pipeline.inbound,
      graymail: this.pipeline.graymail,
      action: this.pipeline.action,
    };
    const adminFunction = this.adminApi.adminFunction;
    adminFunction.function.addEnvironment(
      ENV.deadLetterQueues,
      this.toJsonString(
        Object.fromEntries(
          Object.entries(stageQueues).map(([stage, q]) => [
            stage,
            { dlq: q.deadLetterQueue.queueArn, queue: q.queue.queueArn },
          ]),
        ),
      ),
    );
    adminFunction.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'sqs:StartMessageMoveTask',
          'sqs:ListMessageMoveTasks',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        resources: Object.values(stageQueues).map((q) => q.deadLetterQueue.queueArn),
      }),
    );
    for (const q of Object.values(stageQueues)) adminFunction.allowSendTo(q.queue);
    // `graywall redeliver <id>` (POST /admin/messages/{id}/redeliver) sends the message back to
    // the action stage for the recipients the next hop refused, once the cause is fixed.
    adminFunction.function.addEnvironment(ENV.actionQueueUrl, this.pipeline.action.queue.queueUrl);
    // The admin web page; `graywall ui` (POST /admin/ui-session, above) signs its session links.
    this.adminUi = new AdminUi(this, 'AdminUi', { config, ...data, api: this.adminApi.api });
    // Releasing graymail held with safe unsubscribe gives each recipient their own unsubscribe
    // link, as the action stage does on delivery: every function that can release stores the
    // sender's links (conditional put, read back on a retry), signs the link and points it at
    // the public pages.
    for (const fn of [this.adminApi.adminFunction, this.digest.pagesFunction, this.adminUi.pagesFunction]) {
      fn.allowTable(unsubscribeTable, ['GetItem', 'PutItem']);
    }
    this.adminUi.pagesFunction.function.addEnvironment(ENV.publicBaseUrl, this.unsubscribe.publicBaseUrl);

    this.modelTraining = new ModelTraining(this, 'ModelTraining', {
      config,
      ...data,
      alarmTopic: this.pipeline.alarmTopic,
    });
    // `graywall model retrain` (POST /admin/model/retrain) invokes it asynchronously.
    this.modelTraining.retrainFunction.allowStartBy(this.adminApi.adminFunction, ENV.retrainFunction);

    // Last, so that every function above is on the dashboard.
    const { pipeline } = this;
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stages: [
        { stage: 'scan', function: pipeline.scanFunction.function, queue: pipeline.inbound },
        { stage: 'graymail', function: pipeline.graymailFunction.function, queue: pipeline.graymail },
        { stage: 'action', function: pipeline.actionFunction.function, queue: pipeline.action },
      ],
      functions: graywallFunctionsUnder(this),
      alarmTopic: pipeline.alarmTopic,
      otherAlarms: [
        ...[pipeline.inbound, pipeline.graymail, pipeline.action].flatMap((queue) => [
          queue.deadLetterAlarm,
          queue.ageAlarm,
          queue.deadLetterAgeAlarm,
        ]),
        this.unsubscribeRetryAlarm(pipeline.alarmTopic),
        this.digest.failureAlarm,
        this.modelTraining.failureAlarm,
      ],
    });

    this.outputs();
  }

  /**
   * The scheduled unsubscribe retry job failing (not a request failing: those are tracked
   * per request): end users' unsubscribes would silently stop being retried.
   */
  private unsubscribeRetryAlarm(topic: ITopic): Alarm {
    return this.unsubscribe.retryFunction.failureAlarm(
      this,
      'UnsubscribeRetryFailures',
      'Graywall: the unsubscribe retry job failed; failed unsubscribes are not being retried (see the unsubscribe-retry function log)',
      topic,
    );
  }

  private outputs(): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('AdminApiUrl', this.adminApi.url, 'Admin API base URL (IAM/SigV4); the graywall CLI talks to it');
    output('MailBucketName', this.stores.mailBucket.bucketName, 'Raw mail: incoming/ and quarantine/');
    output('TrackingTableName', this.stores.trackingTable.tableName, 'Message tracking table');
    output('QuarantineTableName', this.stores.quarantineTable.tableName, 'Quarantine table');
    output('ListsTableName', this.stores.listsTable.tableName, 'Safelist and blocklist table');
    output('ReportsTableName', this.stores.reportsTable.tableName, 'Report counters table');
    output('UnsubscribeTableName', this.stores.unsubscribeTable.tableName, 'Safe-unsubscribe requests table');
    output(
      'UnsubscribePagesUrl',
      this.unsubscribe.publicBaseUrl,
      'Base URL of the public pages: safe unsubscribe (/u/) and quarantine digest links (/q/)',
    );
    output(
      'SigningKeySecretArn',
      this.stores.signingKeySecret.secretArn,
      'Secret that signs unsubscribe and quarantine digest links',
    );
    output('ReceiptRuleSetName', this.ingress.ruleSet.receiptRuleSetName, 'SES receipt rule set');
    output(
      'AlarmTopicArn',
      this.pipeline.alarmTopic.topicArn,
      'Dead-letter, stage error, scan latency and digest alarms notify this topic',
    );
    output('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
    output('DashboardUrl', this.monitoring.dashboardUrl, 'CloudWatch dashboard in the AWS console');
    const stages: Array<[string, StageQueue]> = [
      ['Inbound', this.pipeline.inbound],
      ['Graymail', this.pipeline.graymail],
      ['Action', this.pipeline.action],
    ];
    for (const [name, stage] of stages) {
      output(`${name}QueueUrl`, stage.queue.queueUrl, `${name} stage queue`);
      output(`${name}DeadLetterQueueUrl`, stage.deadLetterQueue.queueUrl, `${name} stage dead-letter queue`);
      // With an explicit destination: without one, SQS moves each message back to the queue it
      // was dead-lettered from, which it cannot tell for the SES notifications SNS could not
      // deliver (the inbound dead-letter queue also takes those, see MailIngress).
      output(
        `${name}RedriveCommand`,
        Fn.join('', [
          'aws sqs start-message-move-task --source-arn ',
          stage.deadLetterQueue.queueArn,
          ' --destination-arn ',
          stage.queue.queueArn,
        ]),
        `Redrive the ${name.toLowerCase()} dead-letter queue once the cause is fixed`,
      );
    }
  }
}

/**
 * What SES accepts mail for: the configured addresses (plus the submission mailboxes, which
 * are ours too) when there are any, otherwise the whole domains.
 */
export function acceptedRecipients(config: GraywallConfig): string[] {
  if (config.recipients.length === 0) return [...config.domains];
  const mailboxes = config.submissions.mailboxes.map((m) => m.address);
  return [...new Set([...config.recipients, ...mailboxes])];
}

/**
 * The policy settings whose alternateHost is reached on port 25 (named, or by default), as
 * config paths: `policies.incoming.0.suspect.alternateHost (mx2.example.com)`.
 */
function alternateHostsOnPort25(config: GraywallConfig): string[] {
  const found: string[] = [];
  const visit = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key === 'alternateHost' && child && typeof child === 'object') {
        const { host, port } = child as { host: string; port?: number };
        if ((port ?? 25) === 25) found.push(`${here} (${host})`);
      } else visit(child, here);
    }
  };
  visit(config.policies, 'policies');
  return found;
}
