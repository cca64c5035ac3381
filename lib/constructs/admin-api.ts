import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_MODEL_PATH } from '../../functions/adapters/load-model.ts';
import { QUARANTINE_TABLE, TRACKING_TABLE } from '../../functions/adapters/table-definitions.ts';
import type { GraywallConfig } from '../../functions/core/config/schema.ts';
import { INCOMING_PREFIX, QUARANTINE_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { MODELS_PREFIX } from '../../functions/core/models/model-record.ts';
import { SUBMISSIONS_PREFIX } from '../../functions/core/submissions/submission.ts';
import { ADMIN_ROUTES } from '../../functions/handlers/admin-routes.ts';
import { BUNDLED_MODEL_FILE } from '../../functions/handlers/lambda-env.ts';
import { functionEnvironment, GraywallFunction } from './graywall-function.ts';

/**
 * One JSON object per request. Besides the usual fields it records who called (the SigV4
 * caller's ARN, as API Gateway verified it) and the route, so every quarantine release or
 * delete can be traced to a principal even without the function's logs.
 */
export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    caller: '$context.identity.caller',
    userArn: '$context.identity.userArn',
    accountId: '$context.identity.accountId',
    httpMethod: '$context.httpMethod',
    // The route, not the path: public paths carry unsubscribe tokens (capabilities), which
    // must not sit in a log for a year. Admin actions name their message in the tracking
    // timeline and the admin function's log.
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

export interface AdminApiProps {
  /** The validated configuration (the delivery type decides whether release may use SES). */
  readonly config: GraywallConfig;
  /** Holds the quarantined copies that release reads and delete removes. */
  readonly mailBucket: IBucket;
  /** Searched by sender, recipient and day; release and delete append to it. */
  readonly trackingTable: ITableV2;
  /** Listed by recipient and day; release and delete change item states. */
  readonly quarantineTable: ITableV2;
  /** Safelists and blocklists the admin lists, adds to and removes from. */
  readonly listsTable: ITableV2;
  /** Report counters the admin reads (and release/delete add to). */
  readonly reportsTable: ITableV2;
  /**
   * Named in every function's environment. The admin function has no access to the
   * unsubscribe table; the stack lets it read the signing key for `graywall digest send`.
   */
  readonly unsubscribeTable: ITableV2;
  readonly signingKeySecret: ISecret;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * How long API access logs are kept (the audit trail of admin actions).
   * @default RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * Steady-state requests per second across the API (burst is twice this).
   * @default 20
   */
  readonly rateLimit?: number;
}

/**
 * The HTTP API: one route per entry of ADMIN_ROUTES (functions/handlers/admin-routes.ts, the
 * same table the handler dispatches on), each requiring IAM (SigV4) authorisation and served by
 * the admin function, on a `$default` stage with JSON access logs.
 *
 * The end users' public safe-unsubscribe routes are added to this API by the unsubscribe
 * feature; until then the API has admin routes only, and a request matching no route gets
 * API Gateway's 404 without reaching any function.
 */
export class AdminApi extends Construct {
  public readonly api: HttpApi;
  /** The `$default` stage (access logs, throttling). */
  public readonly stage: HttpStage;
  /** Serves every admin route (functions/handlers/admin-api.ts). */
  public readonly adminFunction: GraywallFunction;
  /** One JSON line per request, see ACCESS_LOG_FORMAT. */
  public readonly accessLogGroup: LogGroup;
  /** The base URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/ */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
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

    this.adminFunction = new GraywallFunction(this, 'Admin', {
      handler: 'admin-api',
      delivers: true,
      description: 'Graywall admin API: quarantine and message tracking',
      memorySize: 512,
      // HTTP APIs stop waiting for an integration after 30 s.
      timeout: Duration.seconds(29),
      config,
      environment: functionEnvironment({
        mailBucket,
        trackingTable,
        quarantineTable,
        listsTable,
        reportsTable,
        unsubscribeTable,
        signingKeySecret,
      }),
      // `graywall version` reports the rules and model version the functions run.
      bundledFiles: { [BUNDLED_MODEL_FILE]: DEFAULT_MODEL_PATH },
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    const fn = this.adminFunction;
    // Release reads the quarantined copy; delete removes it once no recipient can release it.
    fn.allowObjects(
      mailBucket,
      QUARANTINE_PREFIX,
      ['s3:GetObject', 's3:DeleteObject'],
      'release or delete a quarantined message',
    );
    // Reports of misclassified mail: a tracked message is read from incoming/ (only to copy it
    // into its submission; no route returns raw mail), and submissions are written, listed
    // and read back under submissions/.
    fn.allowObjects(
      mailBucket,
      INCOMING_PREFIX,
      ['s3:GetObject'],
      'copy a reported message into its submission',
    );
    fn.allowObjects(
      mailBucket,
      SUBMISSIONS_PREFIX,
      ['s3:GetObject', 's3:PutObject'],
      'file and read submissions',
    );
    fn.allowListing(mailBucket, SUBMISSIONS_PREFIX);
    // Model versions: status and history read the pointer and the records (listed under
    // models/versions/), /admin/version follows the current model like the scan function, and
    // rollback checks the target's artifact, then writes the pointer and the records' status.
    fn.allowObjects(
      mailBucket,
      MODELS_PREFIX,
      ['s3:GetObject', 's3:PutObject'],
      'read model versions, roll back to one',
    );
    fn.allowListing(mailBucket, MODELS_PREFIX);
    // Search reads keys from the (KEYS_ONLY) indexes, then the records in batches; release and
    // delete append to the record's timeline.
    fn.allowTable(
      trackingTable,
      ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'],
      TRACKING_TABLE.indexes.map((index) => index.name),
    );
    // Release and delete are conditional state transitions of the quarantine items.
    fn.allowTable(
      quarantineTable,
      ['GetItem', 'Query', 'UpdateItem'],
      QUARANTINE_TABLE.indexes.map((index) => index.name),
    );
    // Safelist and blocklist entries: list a scope, add, remove.
    fn.allowTable(listsTable, ['Query', 'PutItem', 'DeleteItem']);
    fn.allowTable(reportsTable, ['Query', 'UpdateItem']);
    fn.allowDelivery(config);

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
    });
    const rateLimit = props.rateLimit ?? 20;
    this.api = new HttpApi(this, 'Api', {
      description: 'Graywall: admin API (IAM-authorised) and public safe-unsubscribe pages',
      // The default stage is added below, with access logging and throttling.
      createDefaultStage: false,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit: rateLimit * 2 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const integration = new HttpLambdaIntegration('AdminIntegration', fn.function);
    const authorizer = new HttpIamAuthorizer();
    for (const route of ADMIN_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer,
      });
    }
    this.url = this.stage.url;
  }
}
