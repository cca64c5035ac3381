import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';

export interface EncryptedTopicProps {
  /** What the topic carries; becomes the key's description and the topic's display name. */
  readonly description: string;
  /**
   * The AWS service that publishes to the topic (for example `ses.amazonaws.com` or
   * `cloudwatch.amazonaws.com`). It is allowed to use the key, for this account only.
   */
  readonly publisherService: string;
  /**
   * The resources of `publisherService` that may publish (`aws:SourceArn`, wildcards allowed):
   * our receipt rules, this account's alarms.
   */
  readonly publisherSourceArn: string;
}

/**
 * An SNS topic encrypted with its own customer managed KMS key (rotated yearly), reachable
 * over TLS only.
 *
 * A customer managed key is required, not the AWS managed `alias/aws/sns`: a service that
 * publishes to an encrypted topic (SES, CloudWatch alarms) needs `kms:GenerateDataKey*` and
 * `kms:Decrypt` on the key, and an AWS managed key's policy cannot be changed to allow that.
 * The grant is scoped by `aws:SourceAccount` so the service can use the key only on behalf of
 * this account (confused-deputy protection). SNS itself needs no grant: it delivers to
 * subscribers in the clear over TLS, and the queues it delivers to use SQS-managed
 * encryption, not this key.
 *
 * The topic's own policy must allow the publisher too. A topic is created with a default
 * policy that lets any principal of this account publish, services included (AWS:SourceOwner);
 * `enforceSSL` writes an AWS::SNS::TopicPolicy, and a topic policy replaces that default. With
 * only the TLS Deny left, CloudWatch could not publish an alarm and SES could not publish a
 * receipt notification. The Allow names the service and, against confused deputies, this
 * account and the publishing resources.
 */
export class EncryptedTopic extends Construct {
  public readonly key: Key;
  public readonly topic: Topic;
  /** The topic policy: whatever publishes must be created after it (a rule's setup test message). */
  public readonly policy: IConstruct;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `Graywall: encrypts the SNS topic for ${props.description}`,
      enableKeyRotation: true,
      // Messages live on the topic for seconds; once the stack (and topic) is gone nothing
      // encrypted under this key remains, so it can be scheduled for deletion with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPublisherServiceToEncrypt',
        principals: [new ServicePrincipal(props.publisherService)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: `Graywall ${props.description}`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPublisherServiceToPublish',
        principals: [new ServicePrincipal(props.publisherService)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': props.publisherSourceArn },
        },
      }),
    );
    const policy = this.topic.node.tryFindChild('Policy');
    if (!policy) throw new Error('EncryptedTopic: the topic policy was not created');
    this.policy = policy;
  }
}
