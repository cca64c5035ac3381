import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { GraywallConfig } from '../../functions/core/config/schema.ts';
import { QUARANTINE_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { SUBMISSIONS_PREFIX } from '../../functions/core/submissions/submission.ts';
import { ADMIN_UI_ROUTES } from '../../functions/handlers/admin-ui-routes.ts';
import { functionEnvironment, GraywallFunction } from './graywall-function.ts';
import { addTokenRoutes, quarantineIndex } from './token-routes.ts';

export interface AdminUiProps {
  /** The validated configuration (the delivery type decides whether release may use SES). */
  readonly config: GraywallConfig;
  /** The HTTP API the pages are added to (the admin API's, which issues their session links). */
  readonly api: HttpApi;
  /** Holds the quarantined copies a release delivers. */
  readonly mailBucket: IBucket;
  /** A release reads the message's record and appends to its timeline. */
  readonly trackingTable: ITableV2;
  /** Searched by recipient and by day; a release moves an item's state. */
  readonly quarantineTable: ITableV2;
  /** Named in the environment only: the pages have no access to it. */
  readonly listsTable: ITableV2;
  /** The overview reads the counters; a release adds to them. */
  readonly reportsTable: ITableV2;
  /** Named in the environment only: the pages have no access to it. */
  readonly unsubscribeTable: ITableV2;
  /** Verifies the session links the admin function signs. */
  readonly signingKeySecret: ISecret;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The admin web page: the report as charts, quarantine search and release, under /ui/{token}.
 * Browsers cannot sign requests with SigV4, so its routes have no IAM authoriser: the
 * credential is a signed session token (one hour by default) that only the IAM-authorised
 * admin API hands out (POST /admin/ui-session), naming the principal who asked. The pages run
 * in a function of their own, with the rights to read reports and the quarantine and to
 * release, and nothing to delete, list-edit or change configuration.
 */
export class AdminUi extends Construct {
  public readonly pagesFunction: GraywallFunction;

  constructor(scope: Construct, id: string, props: AdminUiProps) {
    super(scope, id);
    const { config, api, mailBucket, trackingTable, quarantineTable, reportsTable, signingKeySecret } = props;

    this.pagesFunction = new GraywallFunction(this, 'Pages', {
      handler: 'admin-ui',
      delivers: true,
      description: 'Graywall admin web page: reports as charts, quarantine search and release',
      memorySize: 512,
      // HTTP APIs stop waiting for an integration after 30 s.
      timeout: Duration.seconds(29),
      config,
      environment: functionEnvironment(props),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    const fn = this.pagesFunction;
    // The overview reads a week of day counters; a release counts itself.
    fn.allowTable(reportsTable, ['Query', 'UpdateItem']);
    // Search lists by recipient or by day; release reads the message's items (a base-table
    // Query), reads one (GetItem) and moves it through its states (UpdateItem).
    fn.allowTable(
      quarantineTable,
      ['GetItem', 'Query', 'UpdateItem'],
      [quarantineIndex('byRecipient'), quarantineIndex('byDay')],
    );
    fn.allowObjects(mailBucket, QUARANTINE_PREFIX, ['s3:GetObject'], 'deliver a message an admin released');
    // "Release, not spam" files the quarantined copy as a submission for the next retraining.
    fn.allowObjects(mailBucket, SUBMISSIONS_PREFIX, ['s3:PutObject'], 'file a released message as not spam');
    // The tracking record: read for the scan result, appended to on release.
    fn.allowTable(trackingTable, ['GetItem', 'UpdateItem']);
    fn.allowSigningKey(signingKeySecret);
    fn.allowDelivery(config);

    addTokenRoutes(
      api,
      ADMIN_UI_ROUTES,
      new HttpLambdaIntegration('AdminUiIntegration', fn.function),
      'Admin web page: browsers cannot sign requests with SigV4, so it is authorised by the signed, expiring session token in the path, which only the IAM-authorised admin API (POST /admin/ui-session) issues, naming the IAM principal who asked.',
    );
  }
}
