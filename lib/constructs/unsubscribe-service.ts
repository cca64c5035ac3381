import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { UNSUBSCRIBE_TABLE } from '../../functions/adapters/table-definitions.ts';
import type { GraywallConfig } from '../../functions/core/config/schema.ts';
import { ENV } from '../../functions/handlers/lambda-env.ts';
import { PUBLIC_ROUTES } from '../../functions/handlers/public-routes.ts';
import { functionEnvironment, GraywallFunction } from './graywall-function.ts';
import { addTokenRoutes } from './token-routes.ts';

export interface UnsubscribeServiceProps {
  readonly config: GraywallConfig;
  /** The HTTP API the public pages are added to (the admin API's, on the same domain). */
  readonly api: HttpApi;
  readonly mailBucket: IBucket;
  readonly trackingTable: ITableV2;
  readonly quarantineTable: ITableV2;
  readonly listsTable: ITableV2;
  readonly reportsTable: ITableV2;
  readonly unsubscribeTable: ITableV2;
  readonly signingKeySecret: ISecret;
  /**
   * How long the functions' logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Safe unsubscribe: the public pages (one unauthenticated route per PUBLIC_ROUTES entry; the
 * signed token in the path is the credential) and a scheduled function that retries failed
 * unsubscribes until their retry window closes. Both call senders' endpoints from Lambda's
 * own network (no VPC): the safety checks refuse private and metadata addresses anyway.
 */
export class UnsubscribeService extends Construct {
  public readonly pagesFunction: GraywallFunction;
  public readonly retryFunction: GraywallFunction;
  public readonly retrySchedule: Rule;
  /** Base URL of the pages: the configured publicUrl, or the API's own endpoint. */
  public readonly publicBaseUrl: string;

  constructor(scope: Construct, id: string, props: UnsubscribeServiceProps) {
    super(scope, id);
    const { config, api, trackingTable, unsubscribeTable, signingKeySecret } = props;
    this.publicBaseUrl = config.unsubscribe.publicUrl ?? api.apiEndpoint;
    const environment = {
      ...functionEnvironment(props),
      [ENV.publicBaseUrl]: this.publicBaseUrl,
    };
    const make = (
      handler: 'public-pages' | 'unsubscribe-retry',
      idName: string,
      description: string,
      timeout: Duration,
      requests: { readonly actions: readonly string[]; readonly indexes: readonly string[] },
    ) => {
      const fn = new GraywallFunction(this, idName, {
        handler,
        description,
        memorySize: 256,
        timeout,
        config,
        environment,
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      });
      // Both claim a request and record its attempts (conditional updates); each reads the
      // requests its own way (see the two calls below). Neither creates a request: the action
      // stage does.
      fn.allowTable(unsubscribeTable, requests.actions, requests.indexes);
      // The outcome is appended to the message's timeline.
      fn.allowTable(trackingTable, ['UpdateItem']);
      fn.allowSigningKey(signingKeySecret);
      fn.allowUnsubscribeMail(config);
      return fn;
    };
    // The pages (public): read the one request a verified token names, and claim it. Each
    // attempt is bounded by the HTTP client's timeout per candidate link; 29 s keeps the page
    // within API Gateway's 30-second integration limit.
    this.pagesFunction = make(
      'public-pages',
      'Pages',
      'Graywall safe-unsubscribe pages',
      Duration.seconds(29),
      { actions: ['GetItem', 'UpdateItem'], indexes: [] },
    );
    // The retry worker: query the (KEYS_ONLY) due index, then read the requests in a batch.
    this.retryFunction = make(
      'unsubscribe-retry',
      'Retry',
      'Graywall: retry failed unsubscribes',
      Duration.minutes(5),
      {
        actions: ['Query', 'BatchGetItem', 'UpdateItem'],
        indexes: UNSUBSCRIBE_TABLE.indexes.map((index) => index.name),
      },
    );

    // End users open these links from mail: they cannot sign requests. The token in the path
    // is an HMAC-signed, expiring capability for one request, and the pages show nothing but
    // that request's own status.
    addTokenRoutes(
      api,
      PUBLIC_ROUTES.filter((r) => r.path.startsWith('/u/')),
      new HttpLambdaIntegration('PagesIntegration', this.pagesFunction.function),
      'Public safe-unsubscribe page: authorised by the signed, expiring token in the path, not by IAM.',
    );

    this.retrySchedule = new Rule(this, 'RetrySchedule', {
      description: 'Graywall: retry unsubscribes whose first attempt failed',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(this.retryFunction.function, { retryAttempts: 2 })],
    });
  }
}
