import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface EncryptedTopicProps {
  /** What the topic carries; becomes the key's description and the topic's display name. */
  readonly description: string;
  /**
   * The AWS service that publishes to the topic (for example `ses.amazonaws.com` or
   * `cloudwatch.amazonaws.com`). It is allowed to use the key, for this account only.
   */
  readonly publisherService: string;
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
 */
export class EncryptedTopic extends Construct {
  public readonly key: Key;
  public readonly topic: Topic;

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
  }
}
