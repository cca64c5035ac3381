import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type IReceiptRuleSet, ReceiptRule, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { S3 } from 'aws-cdk-lib/aws-ses-actions';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ConfigError } from '../../functions/core/errors.ts';
import { INCOMING_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { EncryptedTopic } from './encrypted-topic.ts';
import { GraywallFunction } from './graywall-function.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** SES accepts at most 100 recipients (addresses or domains) per receipt rule. */
export const MAX_RULE_RECIPIENTS = 100;

/** SES rule set names (CreateReceiptRuleSet): letters, digits, . _ -, alphanumeric at both ends, at most 64. */
const RULE_SET_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

export interface MailIngressProps {
  /**
   * Domains and/or addresses SES accepts mail for (the rule's recipients): the configured
   * `recipients` when there are any, otherwise the configured `domains`.
   */
  readonly recipients: readonly string[];
  /** Where SES stores each message, under `incoming/`. */
  readonly mailBucket: IBucket;
  /** Receives SES's receipt notification for every stored message (raw, not SNS-wrapped). */
  readonly inboundQueue: IQueue;
  /**
   * Where SNS puts notifications it could not deliver to the inbound queue. The scan stage
   * reads both the raw and the SNS-wrapped form, so the inbound queue's own dead-letter queue
   * can take them and one redrive brings everything back.
   * @default - no subscription dead-letter queue
   */
  readonly notificationDeadLetterQueue?: IQueue;
  /**
   * Whether SES refuses mail not received over TLS. Plenty of legitimate senders still
   * deliver in clear, so this is off unless an organisation's policy requires it.
   * @default TlsPolicy.OPTIONAL
   */
  readonly tlsPolicy?: TlsPolicy;
  /**
   * Make this rule set the account's active one. SES has exactly one active rule set per
   * account and region: activating ours deactivates any other. Turn this off to activate it
   * yourself; turning it off later leaves whichever set is active as it is. To keep an
   * existing active set, use `existingRuleSetName` instead.
   * @default true
   */
  readonly activateRuleSet?: boolean;
  /**
   * Add the rule to this existing rule set of the account (for example the active set an
   * organisation already receives other mail with) instead of creating one. The stack then
   * neither activates nor deactivates any set: the rule is added to the named set (first, or
   * after `afterRuleName`) and removed from it when the stack is deleted. `activateRuleSet`
   * does not apply.
   * @default - a rule set of our own
   */
  readonly existingRuleSetName?: string;
  /**
   * With `existingRuleSetName`: the rule of that set ours goes after. SES runs a set's rules in
   * order and puts a rule created without a position first, ahead of every rule already there.
   * @default - first in the set
   */
  readonly afterRuleName?: string;
  /**
   * How long the activation function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * SES inbound for the configured domains: a receipt rule set with one rule whose S3 action
 * stores each message under `incoming/<messageId>` and publishes SES's receipt notification
 * to an SNS topic, which delivers it (raw) to the pipeline's inbound queue.
 *
 * Why SES's notification and not an S3 ObjectCreated event: the event names only the object,
 * while the notification carries the SMTP envelope (the envelope recipients, so Bcc recipients
 * are not lost), SES's spam/virus/SPF/DKIM/DMARC verdicts, and is sent only after the object
 * is stored.
 *
 * CloudFormation can create a rule set but cannot make it active, so a custom resource calls
 * SES SetActiveReceiptRuleSet on create and update. Another one deactivates the set when the
 * stack deletes it (SES refuses to delete an active set), and only if it is the active one.
 */
export class MailIngress extends Construct {
  /** Our rule set, or the existing one named by `existingRuleSetName`. */
  public readonly ruleSet: IReceiptRuleSet;
  public readonly rule: ReceiptRule;
  /** SES receipt notifications (KMS-encrypted, TLS-only). */
  public readonly notificationTopic: Topic;
  /**
   * The custom resource that activates our rule set (with activation off, it only reads which
   * set is active). None when the rule goes into an existing set.
   */
  public readonly activation: AwsCustomResource | undefined;
  /** Deactivates our rule set before the stack deletes it, only if it is the active one. None for an existing set. */
  public readonly guard: CustomResource | undefined;

  constructor(scope: Construct, id: string, props: MailIngressProps) {
    super(scope, id);
    if (props.recipients.length === 0) throw new ConfigError('SES needs at least one domain or recipient');
    if (props.recipients.length > MAX_RULE_RECIPIENTS) {
      throw new ConfigError(
        `recipients: SES allows at most ${MAX_RULE_RECIPIENTS} per receipt rule (got ${props.recipients.length}); list domains instead of addresses`,
      );
    }

    const existing = props.existingRuleSetName;
    if (existing !== undefined && !RULE_SET_NAME.test(existing)) {
      throw new ConfigError(
        `ruleSet "${existing}": an SES rule set name is 1-64 letters, digits, periods, underscores or dashes, starting and ending with a letter or digit`,
      );
    }
    this.ruleSet =
      existing === undefined
        ? new ReceiptRuleSet(this, 'RuleSet')
        : ReceiptRuleSet.fromReceiptRuleSetName(this, 'RuleSet', existing);
    // Our rules, by the rule set's Ref (see the bucket's guard below).
    const ourRules = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${this.ruleSet.receiptRuleSetName}:receipt-rule/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const notifications = new EncryptedTopic(this, 'Notifications', {
      description: 'SES receipt notifications',
      publisherService: 'ses.amazonaws.com',
      publisherSourceArn: ourRules,
    });
    this.notificationTopic = notifications.topic;
    this.notificationTopic.addSubscription(
      new SqsSubscription(props.inboundQueue, {
        rawMessageDelivery: true,
        ...(props.notificationDeadLetterQueue ? { deadLetterQueue: props.notificationDeadLetterQueue } : {}),
      }),
    );

    // The S3 action also adds the bucket policy letting ses.amazonaws.com put objects under
    // incoming/ for this account only (aws:SourceAccount), and makes the rule depend on it.
    if (props.afterRuleName !== undefined && existing === undefined) {
      throw new ConfigError('ruleSetAfter names a rule of an existing rule set: give ruleSet too');
    }
    if (props.afterRuleName !== undefined && !RULE_SET_NAME.test(props.afterRuleName)) {
      throw new ConfigError(
        `ruleSetAfter "${props.afterRuleName}": an SES rule name is 1-64 letters, digits, periods, underscores or dashes, starting and ending with a letter or digit`,
      );
    }
    this.rule = this.ruleSet.addRule('Inbound', {
      ...(props.afterRuleName
        ? { after: ReceiptRule.fromReceiptRuleName(this, 'AfterRule', props.afterRuleName) }
        : {}),
      recipients: [...props.recipients],
      enabled: true,
      scanEnabled: true,
      tlsPolicy: props.tlsPolicy ?? TlsPolicy.OPTIONAL,
      actions: [
        new S3({
          bucket: props.mailBucket,
          objectKeyPrefix: INCOMING_PREFIX,
          topic: this.notificationTopic,
        }),
      ],
    });
    // SES checks that it may publish to the topic when the rule is created: the topic policy first.
    this.rule.node.addDependency(notifications.policy);

    // Confused-deputy guard: SES may write under incoming/ for this rule set only. The S3 action's
    // own statement allows any SES rule of this account (aws:SourceAccount); AWS recommends
    // aws:SourceArn as well. The rule set is named by Ref (the rule's name would make a cycle:
    // the rule depends on this policy).
    props.mailBucket.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [props.mailBucket.arnForObjects(`${INCOMING_PREFIX}*`)],
        conditions: { StringNotLike: { 'aws:SourceArn': ourRules } },
      }),
    );

    // A set of the organisation's: which set is active is theirs to decide, before and after us.
    const retention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    this.activation =
      existing === undefined ? this.activate(props.activateRuleSet !== false, retention) : undefined;
    this.guard = existing === undefined ? this.guardDeletion(retention) : undefined;
  }

  /**
   * Makes the rule set active on create and update (or, with activation off, only reads which
   * set is active). It never deactivates anything: on delete it does nothing, so turning
   * activation off, replacing the rule set or upgrading the stack cannot switch off inbound
   * mail (a SetActiveReceiptRuleSet without a name deactivates whatever set is active). The
   * guard below deactivates our set, and only ours, when the stack deletes it.
   */
  private activate(enabled: boolean, logRetention: RetentionDays): AwsCustomResource {
    const name = this.ruleSet.receiptRuleSetName;
    const logGroup = new LogGroup(this, 'ActivationLogs', { retention: logRetention });
    // Our own role instead of the default one with AWSLambdaBasicExecutionRole: it can write
    // to its own log group and (through `policy` below) make one SES call, nothing else.
    const role = new Role(this, 'ActivationRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Graywall: activates the SES receipt rule set',
    });
    logGroup.grantWrite(role);
    const call = enabled
      ? {
          service: 'SES',
          action: 'SetActiveReceiptRuleSet',
          parameters: { RuleSetName: name },
          physicalResourceId: PhysicalResourceId.of(name),
        }
      : {
          service: 'SES',
          action: 'DescribeActiveReceiptRuleSet',
          parameters: {},
          physicalResourceId: PhysicalResourceId.of(name),
        };
    const activation = new AwsCustomResource(this, 'ActivateRuleSet', {
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      onCreate: call,
      onUpdate: call,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: [enabled ? 'ses:SetActiveReceiptRuleSet' : 'ses:DescribeActiveReceiptRuleSet'],
          resources: ['*'],
        }),
      ]),
      role,
      logGroup,
      // Use the SDK inside the Lambda runtime: no download from npm at deploy time.
      installLatestAwsSdk: false,
    });
    // Activate only once the rule (and the bucket policy it depends on) exists, so SES never
    // runs an active set that cannot store mail.
    activation.node.addDependency(this.rule);
    // The policy is created inside the custom resource construct, so acknowledge it there.
    acknowledgeWildcardResource(
      activation,
      '*',
      'ses:SetActiveReceiptRuleSet and ses:DescribeActiveReceiptRuleSet have no resource-level permissions in IAM; they can only be granted on "*".',
    );
    return activation;
  }

  /**
   * Lets CloudFormation delete the rule set: SES refuses to delete the active set, so on
   * delete this resource deactivates it, after checking that it is the active one
   * (functions/handlers/rule-set-guard.ts). It depends on the rule set, so CloudFormation
   * deletes it first.
   */
  private guardDeletion(logRetention: RetentionDays): CustomResource {
    const fn = new GraywallFunction(this, 'RuleSetGuardFunction', {
      handler: 'rule-set-guard',
      description:
        'Graywall: deactivates the SES receipt rule set before the stack deletes it, if it is the active one',
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: {},
      logRetention,
    });
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
        resources: ['*'],
      }),
    );
    acknowledgeWildcardResource(
      fn.role,
      '*',
      'ses:DescribeActiveReceiptRuleSet and ses:SetActiveReceiptRuleSet have no resource-level permissions in IAM; they can only be granted on "*".',
    );
    return new CustomResource(this, 'RuleSetGuard', {
      resourceType: 'Custom::GraywallReceiptRuleSetGuard',
      serviceToken: fn.function.functionArn,
      properties: { RuleSetName: this.ruleSet.receiptRuleSetName },
    });
  }
}
