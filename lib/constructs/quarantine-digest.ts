import { Duration, TimeZone } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { GraywallConfig } from '../../functions/core/config/schema.ts';
import { QUARANTINE_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { ENV } from '../../functions/handlers/lambda-env.ts';
import { PUBLIC_ROUTES } from '../../functions/handlers/public-routes.ts';
import { functionEnvironment, GraywallFunction } from './graywall-function.ts';
import { addTokenRoutes, quarantineIndex } from './token-routes.ts';

export interface QuarantineDigestProps {
  readonly config: GraywallConfig;
  /** The HTTP API the end users' quarantine pages are added to. */
  readonly api: HttpApi;
  /** Base URL of the public pages (links in the digest). */
  readonly publicBaseUrl: string;
  readonly mailBucket: IBucket;
  readonly trackingTable: ITableV2;
  readonly quarantineTable: ITableV2;
  readonly listsTable: ITableV2;
  readonly reportsTable: ITableV2;
  readonly unsubscribeTable: ITableV2;
  readonly signingKeySecret: ISecret;
  /** Notified when a digest run fails (as the dead-letter alarms are). */
  readonly alarmTopic: ITopic;
  /**
   * How long the functions' logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The end users' quarantine: a scheduled function that mails each recipient a digest of
 * what was newly held for them, and the public pages behind its signed links (review,
 * release, always allow the sender). The pages run in their own function, apart from the
 * unsubscribe pages, because releasing needs quarantine and delivery rights those pages
 * must not have.
 */
export class QuarantineDigest extends Construct {
  public readonly digestFunction: GraywallFunction;
  public readonly pagesFunction: GraywallFunction;
  /**
   * An EventBridge Scheduler schedule (an EventBridge rule has no time zone): "07:00" stays
   * 07:00 in `digest.timeZone` across daylight-saving changes. Absent when `digest.enabled`
   * is false (the pages still serve links already sent).
   */
  public readonly schedule: Schedule | undefined;
  /** A digest run failed (after Lambda's own retries): some users did not get theirs. */
  public readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: QuarantineDigestProps) {
    super(scope, id);
    const {
      config,
      api,
      mailBucket,
      quarantineTable,
      trackingTable,
      listsTable,
      reportsTable,
      signingKeySecret,
    } = props;
    const environment = { ...functionEnvironment(props), [ENV.publicBaseUrl]: props.publicBaseUrl };
    const logs = props.logRetention ? { logRetention: props.logRetention } : {};

    this.digestFunction = new GraywallFunction(this, 'Digest', {
      handler: 'digest',
      delivers: true,
      description: 'Graywall: mail end users their quarantine digest',
      memorySize: 512,
      timeout: Duration.minutes(10),
      config,
      environment,
      ...logs,
    });
    // Read the day's quarantine (byDay index) and claim each listed item once (digestedAt).
    this.digestFunction.allowTable(quarantineTable, ['Query', 'UpdateItem'], [quarantineIndex('byDay')]);
    this.digestFunction.allowSigningKey(signingKeySecret);
    this.digestFunction.allowDelivery(config);
    if (config.digest.enabled) {
      this.schedule = new Schedule(this, 'Schedule', {
        description: 'Graywall: end-user quarantine digests',
        schedule: ScheduleExpression.expression(config.digest.schedule, TimeZone.of(config.digest.timeZone)),
        // A run missed for an hour is better left to the next one than sent late and twice.
        target: new ExactLambdaInvoke(this.digestFunction.function, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      });
    }

    this.failureAlarm = this.digestFunction.failureAlarm(
      this,
      'DigestFailures',
      'Graywall: a quarantine digest run failed; some recipients did not get their digest (see the digest function log)',
      props.alarmTopic,
    );

    this.pagesFunction = new GraywallFunction(this, 'Pages', {
      handler: 'public-pages',
      delivers: true,
      description: 'Graywall end-user quarantine pages (digest links)',
      memorySize: 512,
      timeout: Duration.seconds(29),
      config,
      environment,
      ...logs,
    });
    const fn = this.pagesFunction;
    // Review lists the token's recipient's items (byRecipient index); release reads the
    // message's items (a base-table Query), claims and moves one (UpdateItem) and reads it
    // back (GetItem). The pages never list by day: no byDay index.
    fn.allowTable(quarantineTable, ['GetItem', 'Query', 'UpdateItem'], [quarantineIndex('byRecipient')]);
    fn.allowObjects(
      mailBucket,
      QUARANTINE_PREFIX,
      ['s3:GetObject'],
      'deliver a message the recipient released',
    );
    fn.allowTable(trackingTable, ['GetItem', 'UpdateItem']);
    // "Always allow" adds the sender to the recipient's own safelist.
    fn.allowTable(listsTable, ['PutItem']);
    fn.allowTable(reportsTable, ['UpdateItem']);
    fn.allowSigningKey(signingKeySecret);
    fn.allowDelivery(config);

    addTokenRoutes(
      api,
      PUBLIC_ROUTES.filter((r) => r.path.startsWith('/q/')),
      new HttpLambdaIntegration('QuarantinePagesIntegration', fn.function),
      "Public quarantine page from a digest link: authorised by the signed, expiring token in the path (it names the recipient, and only that recipient's items are reachable), not by IAM.",
    );
  }
}

/**
 * LambdaInvoke whose role may invoke the function itself, not `<arn>:*` (every version and
 * alias), which `grantInvoke` adds: the digest function has neither, and the wildcard would
 * need a cdk-nag exception for nothing.
 */
class ExactLambdaInvoke extends LambdaInvoke {
  private readonly target: IFunction;

  constructor(fn: IFunction, props: ConstructorParameters<typeof LambdaInvoke>[1]) {
    super(fn, props);
    this.target = fn;
  }

  protected override addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }),
    );
  }
}
