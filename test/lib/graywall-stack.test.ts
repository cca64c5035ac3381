import { describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../functions/handlers/admin-routes.ts';
import { buildStack, logicalId } from '../support/cdk-stack.ts';

const { stack, template } = buildStack();
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);

describe('the Graywall stack', () => {
  it('holds exactly these resources (each has its own assertions in test/lib)', () => {
    const counts: Record<string, number> = {};
    for (const resource of Object.values(template.toJSON().Resources) as Array<{ Type: string }>) {
      counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      // Stores
      'AWS::S3::Bucket': 2, // mail, access logs
      'AWS::S3::BucketPolicy': 2,
      'AWS::DynamoDB::GlobalTable': 4, // tracking, quarantine, lists, reports (TableV2)
      // Ingress
      'AWS::SES::ReceiptRuleSet': 1,
      'AWS::SES::ReceiptRule': 1,
      'Custom::SesActiveReceiptRuleSet': 1,
      // Notifications + alarms topics, each with its key
      'AWS::SNS::Topic': 2,
      'AWS::SNS::TopicPolicy': 2,
      'AWS::SNS::Subscription': 2, // inbound queue, alarm email
      'AWS::KMS::Key': 2,
      // Pipeline: 3 queues + 3 dead-letter queues, an alarm per dead-letter queue
      'AWS::SQS::Queue': 6,
      'AWS::SQS::QueuePolicy': 6,
      'AWS::CloudWatch::Alarm': 3,
      'AWS::Lambda::EventSourceMapping': 3,
      // scan, graymail, action, admin API + the rule-set activation provider
      'AWS::Lambda::Function': 5,
      'AWS::IAM::Role': 5,
      'AWS::IAM::Policy': 6,
      'AWS::Logs::LogGroup': 6, // one per function + API access logs
      // Admin API: one route (and one invoke permission) per ADMIN_ROUTES entry
      'AWS::ApiGatewayV2::Api': 1,
      'AWS::ApiGatewayV2::Stage': 1,
      'AWS::ApiGatewayV2::Integration': 1,
      'AWS::ApiGatewayV2::Route': ADMIN_ROUTES.length,
      'AWS::Lambda::Permission': ADMIN_ROUTES.length,
    });
  });

  it('outputs what an operator needs: API URL, bucket, tables, rule set, alarm topic', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.AdminApiUrl.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: id(stack.adminApi.api) },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
        ],
      ],
    });
    expect(outputs.MailBucketName.Value).toEqual({ Ref: id(stack.stores.mailBucket) });
    expect(outputs.TrackingTableName.Value).toEqual({ Ref: id(stack.stores.trackingTable) });
    expect(outputs.QuarantineTableName.Value).toEqual({ Ref: id(stack.stores.quarantineTable) });
    expect(outputs.ListsTableName.Value).toEqual({ Ref: id(stack.stores.listsTable) });
    expect(outputs.ReportsTableName.Value).toEqual({ Ref: id(stack.stores.reportsTable) });
    expect(outputs.ReceiptRuleSetName.Value).toEqual({ Ref: id(stack.ingress.ruleSet) });
    expect(outputs.AlarmTopicArn.Value).toEqual({ Ref: id(stack.pipeline.alarmTopic) });
  });

  it.each([
    ['Inbound', () => stack.pipeline.inbound],
    ['Graymail', () => stack.pipeline.graymail],
    ['Action', () => stack.pipeline.action],
  ])('outputs the %s queue, its dead-letter queue and the command that redrives it', (name, stage) => {
    const outputs = template.toJSON().Outputs;
    expect(outputs[`${name}QueueUrl`].Value).toEqual({ Ref: id(stage().queue) });
    expect(outputs[`${name}DeadLetterQueueUrl`].Value).toEqual({ Ref: id(stage().deadLetterQueue) });
    expect(outputs[`${name}RedriveCommand`].Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws sqs start-message-move-task --source-arn ',
          { 'Fn::GetAtt': [id(stage().deadLetterQueue), 'Arn'] },
        ],
      ],
    });
  });
});
