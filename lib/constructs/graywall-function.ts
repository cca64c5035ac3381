import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { GraywallConfig } from '../../functions/core/config/schema.ts';
import { BUNDLED_CONFIG_FILE, ENV } from '../../functions/handlers/lambda-env.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** The Lambda entry points, one file per function under functions/handlers/. */
export type HandlerName =
  | 'scan'
  | 'graymail'
  | 'action'
  | 'admin-api'
  | 'admin-ui'
  | 'public-pages'
  | 'digest'
  | 'unsubscribe-retry'
  | 'retrain'
  | 'rule-set-guard';

export interface GraywallFunctionProps {
  /** Which file under functions/handlers/ is the entry (it exports `handler`). */
  readonly handler: HandlerName;
  /** Shown in the Lambda console. */
  readonly description: string;
  /** MB; Lambda allots CPU in proportion. */
  readonly memorySize: number;
  /** For SQS-fed functions the queue's visibility timeout is six times this. */
  readonly timeout: Duration;
  /**
   * The validated configuration, shipped beside the bundle as graywall.config.json.
   * @default - none shipped (for a function that reads no configuration)
   */
  readonly config?: GraywallConfig;
  /** Variables named by ENV in functions/handlers/lambda-env.ts (see {@link functionEnvironment}). */
  readonly environment: Record<string, string>;
  /**
   * Files shipped beside the bundle, by their name there (e.g. the statistical model the scan
   * stage loads at cold start): name in the bundle → path at synth.
   * @default - only graywall.config.json
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /**
   * How long the function's log lines are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * The function delivers mail (or releases it) over the configured transport: with SMTP
   * delivery and `delivery.vpc`, it runs in those subnets.
   * @default false
   */
  readonly delivers?: boolean;
}

/**
 * One Graywall Lambda function: Node.js 24 on arm64, bundled by esbuild as ESM, with its own
 * log group and its own role. The role starts with nothing but the right to write to that log
 * group (no AWSLambdaBasicExecutionRole, which would allow creating any log group); each
 * caller adds exactly the data access its function needs.
 */
export class GraywallFunction extends Construct {
  public readonly function: NodejsFunction;
  /** The function's own role; grant data access through the allow* methods. */
  public readonly role: Role;
  /** Where the function logs (JSON lines from functions/adapters/json-logger.ts). */
  public readonly logGroup: LogGroup;
  /** Files shipped beside the bundle besides graywall.config.json: name → source path. */
  public readonly bundledFiles: Readonly<Record<string, string>>;
  private readonly delivers: boolean;

  constructor(scope: Construct, id: string, props: GraywallFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Graywall ${props.handler} function`,
    });
    this.logGroup.grantWrite(this.role);

    const config = props.config;
    this.delivers = props.delivers ?? false;
    this.bundledFiles = { ...props.bundledFiles };
    this.function = new NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../../functions/handlers/${props.handler}.ts`, import.meta.url)),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.delivers ? this.deliveryNetwork(config) : {}),
      environment: {
        ...props.environment,
        // Stack traces point at the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        // Prefer packages' ESM builds where they ship both.
        mainFields: ['module', 'main'],
        // esbuild's ESM output has no `require`; CommonJS dependencies bundled into it
        // (mailparser, nodemailer and theirs) call require() for Node built-ins. Give them one.
        banner:
          "import { createRequire as __graywallCreateRequire } from 'node:module'; const require = __graywallCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK instead of using the copy in the Lambda runtime: the SDK the
        // functions run with is then the one pinned in package-lock.json, the same the tests
        // and the local gateway run against, and a runtime update cannot change it under us
        // (lib-dynamodb and the clients must also stay on matching versions). The cost is a
        // larger bundle, paid once per cold start.
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The handler reads ${LAMBDA_TASK_ROOT}/graywall.config.json at cold start. The JSON
          // goes through a file (not an `echo '<json>'`) so no shell quoting can corrupt it.
          // Lambda runs the code as an unprivileged user: the file must be world-readable.
          afterBundling: (_inputDir: string, outputDir: string) =>
            Object.entries({
              ...(config ? { [BUNDLED_CONFIG_FILE]: writeConfigFile(config) } : {}),
              ...this.bundledFiles,
            }).flatMap(([name, source]) => {
              const target = shellQuote(join(outputDir, name));
              return [`cp ${shellQuote(source)} ${target}`, `chmod 644 ${target}`];
            }),
        },
      },
    });
  }

  /**
   * Where a delivering function runs: in the configured subnets (see `delivery.vpc`), or
   * outside any VPC. Lambda attaches the function through network interfaces it creates with
   * the role's rights: the AWS managed policy AWSLambdaVPCAccessExecutionRole.
   */
  private deliveryNetwork(config: GraywallConfig | undefined): Partial<NodejsFunctionProps> {
    if (config?.delivery.type !== 'smtp' || !config.delivery.vpc) return {};
    const { vpcId, subnetIds, securityGroupIds } = config.delivery.vpc;
    // The subnets are named, so the VPC needs no lookup (synth stays offline). An imported VPC
    // must be given zones; with the subnets chosen explicitly, nothing here reads them.
    const vpc = Vpc.fromVpcAttributes(this, 'DeliveryVpc', { vpcId, availabilityZones: Fn.getAzs() });
    Annotations.of(vpc).acknowledgeWarning(
      '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
      'The subnets are named explicitly, so no subnet is selected by zone.',
    );
    // CDK adds this policy only to roles it creates itself; the function has its own role.
    this.role.addManagedPolicy(
      ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
    );
    const subnets = subnetIds.map((id) => {
      const subnet = Subnet.fromSubnetId(this, `Subnet-${id}`, id);
      Annotations.of(subnet).acknowledgeWarning(
        '@aws-cdk/aws-ec2:noSubnetRouteTableId',
        'Lambda is only placed in the subnet; nothing here reads or changes its routes.',
      );
      return subnet;
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason:
        'AWSLambdaVPCAccessExecutionRole holds the network-interface actions Lambda needs to attach a function to a VPC (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface ...); they cannot be scoped to interfaces Lambda has not created yet.',
    });
    return {
      vpc,
      vpcSubnets: { subnets },
      ...(securityGroupIds
        ? {
            securityGroups: securityGroupIds.map((id) =>
              SecurityGroup.fromSecurityGroupId(this, `SecurityGroup-${id}`, id),
            ),
          }
        : { allowAllOutbound: true }),
    };
  }

  /** Allows `actions` on objects under `prefix` (e.g. `incoming/`) of the mail bucket, and nothing else there. */
  allowObjects(bucket: IBucket, prefix: string, actions: readonly string[], why: string): void {
    const objects = bucket.arnForObjects(`${prefix}*`);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: [...actions], resources: [objects] }));
    acknowledgeWildcardResource(
      this.role,
      objects,
      `Objects under ${prefix} are keyed by ids unknown until runtime (SES message ids, submission ids); the wildcard is limited to that prefix (${why}).`,
    );
  }

  /** Allows listing the keys under one prefix of a bucket (s3:ListBucket is granted on the bucket, narrowed by s3:prefix). */
  allowListing(bucket: IBucket, prefix: string): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  }

  /** Allows DynamoDB `actions` on a table and, when listed, on the named indexes (never index/*). */
  allowTable(table: ITableV2, actions: readonly string[], indexes: readonly string[] = []): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
      }),
    );
  }

  /**
   * When delivery (or release) goes through SES, allows sending From the configured address
   * only. SMTP delivery needs no AWS permission, so nothing is granted for it.
   */
  allowDelivery(config: GraywallConfig): void {
    if (!this.delivers) throw new Error(`${this.node.path} delivers mail: create it with delivers: true`);
    if (config.delivery.type === 'smtp') {
      if (config.delivery.auth) this.allowSmtpLogin(config.delivery.auth.secret);
      return;
    }
    const identities = Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [identities],
        conditions: { StringEquals: { 'ses:FromAddress': config.delivery.fromAddress } },
      }),
    );
    acknowledgeWildcardResource(
      this.role,
      identities,
      'SES authorises a send against the identity it matches (the address or its domain) and, in the sandbox, each recipient identity, none known at synth; ses:FromAddress pins the sender to the configured fromAddress.',
    );
  }

  /**
   * Allows reading the SMTP login secret (delivery.auth), named or given by ARN. A secret
   * encrypted with a customer managed key also needs kms:Decrypt there, which is the key
   * owner's to grant; the default aws/secretsmanager key needs nothing.
   */
  private allowSmtpLogin(secretId: string): void {
    if (!secretId.startsWith('arn:')) {
      // A name: the secret's ARN is the name and six characters Secrets Manager adds.
      Secret.fromSecretNameV2(this, 'SmtpLogin', secretId).grantRead(this.role);
      return;
    }
    // An ARN may be complete (ending in those six characters) or partial, and "mail-server"
    // reads as either: both forms are granted, so neither is denied at the first delivery.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secretId, `${secretId}-??????`],
      }),
    );
  }

  /**
   * Allows SES SendBounce from the configured bounce sender. SES authorises it against the
   * verified identity of the bounce sender: the address itself or its domain, both named here,
   * so no wildcard is needed.
   */
  allowBounce(bounceSender: string): void {
    const stack = Stack.of(this);
    const identity = (name: string) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    const domain = bounceSender.slice(bounceSender.lastIndexOf('@') + 1);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendBounce'],
        resources: [identity(bounceSender), identity(domain)],
      }),
    );
  }

  /** Allows reading the unsubscribe signing key (current and previous versions). */
  allowSigningKey(secret: ISecret): void {
    secret.grantRead(this.role);
  }

  /**
   * Allows sending the mails mailto: unsubscribe links ask for: From a recipient, so only
   * From addresses in the configured domains (ses:FromAddress), through those domains'
   * identities.
   */
  allowUnsubscribeMail(config: GraywallConfig): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: config.domains.map((domain) =>
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
        ),
        conditions: { StringLike: { 'ses:FromAddress': config.domains.map((domain) => `*@${domain}`) } },
      }),
    );
  }

  /** Allows sending to one queue (sqs:SendMessage only; the URL comes from the environment). */
  /**
   * Lets `caller` start this function in the background: names it in the caller's environment
   * under `envName` and allows lambda:InvokeFunction on exactly this function (no versions or
   * aliases, no other function).
   */
  allowStartBy(caller: GraywallFunction, envName: string): void {
    caller.function.addEnvironment(envName, this.function.functionName);
    caller.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );
  }

  /**
   * An alarm, in `scope` as `id`, on any error of this function within an hour, notifying
   * `topic`: for the scheduled jobs, whose failures no queue or request would show.
   */
  failureAlarm(scope: Construct, id: string, description: string, topic: ITopic): Alarm {
    const alarm = new Alarm(scope, id, {
      alarmDescription: description,
      metric: this.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(topic));
    return alarm;
  }

  allowSendTo(queue: IQueue): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
  }
}

/** The environment every function gets, by the names in functions/handlers/lambda-env.ts. */
export function functionEnvironment(resources: {
  readonly mailBucket: IBucket;
  readonly trackingTable: ITableV2;
  readonly quarantineTable: ITableV2;
  readonly listsTable: ITableV2;
  readonly reportsTable: ITableV2;
  readonly unsubscribeTable: ITableV2;
  readonly signingKeySecret: ISecret;
  readonly graymailQueue?: IQueue;
  readonly actionQueue?: IQueue;
}): Record<string, string> {
  // GRAYWALL_CONFIG_FILE is left unset: in Lambda the handler defaults to the bundled
  // ${LAMBDA_TASK_ROOT}/graywall.config.json.
  return {
    [ENV.bucket]: resources.mailBucket.bucketName,
    [ENV.trackingTable]: resources.trackingTable.tableName,
    [ENV.quarantineTable]: resources.quarantineTable.tableName,
    [ENV.listsTable]: resources.listsTable.tableName,
    [ENV.reportsTable]: resources.reportsTable.tableName,
    [ENV.unsubscribeTable]: resources.unsubscribeTable.tableName,
    // Only the ARN: functions that sign or verify links are granted read access to the value.
    [ENV.signingKeySecret]: resources.signingKeySecret.secretArn,
    ...(resources.graymailQueue ? { [ENV.graymailQueueUrl]: resources.graymailQueue.queueUrl } : {}),
    ...(resources.actionQueue ? { [ENV.actionQueueUrl]: resources.actionQueue.queueUrl } : {}),
    [ENV.logLevel]: 'info',
  };
}

/**
 * Writes the validated config as JSON to a file named by its content hash and returns the
 * path. Called from afterBundling, so it runs only when a bundle is actually built.
 */
function writeConfigFile(config: GraywallConfig): string {
  const json = `${JSON.stringify(config, null, 2)}\n`;
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `graywall-config-${hash}.json`);
  writeFileSync(path, json);
  return path;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
