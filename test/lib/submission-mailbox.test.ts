import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { acceptedRecipients } from '../../lib/graywall-stack.ts';
import { buildStack, exampleConfig, logicalId, objectsArn, statementsOfRole } from '../support/cdk-stack.ts';

const mailboxes = { mailboxes: [{ address: 'spam@example.com', category: 'missed-spam' as const }] };

describe('submission mailboxes in the stack', () => {
  it('let the scan function file submissions only when the config has a mailbox', () => {
    const scanWrites = (config: ReturnType<typeof exampleConfig>) => {
      const { stack, template } = buildStack(config);
      const statements = statementsOfRole(template, logicalId(stack, stack.pipeline.scanFunction.role));
      const bucket = logicalId(stack, stack.stores.mailBucket);
      return statements.filter(
        (s) => JSON.stringify(s.Resource) === JSON.stringify(objectsArn(bucket, 'submissions/*')),
      );
    };
    expect(scanWrites(exampleConfig({ submissions: mailboxes }))).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 's3:PutObject' }),
    ]);
    expect(scanWrites(exampleConfig())).toEqual([]);
  });

  it('are received by the receipt rule when it lists addresses rather than whole domains', () => {
    const listed = exampleConfig({ recipients: ['alice@example.com'], submissions: mailboxes });
    expect(acceptedRecipients(listed)).toEqual(['alice@example.com', 'spam@example.com']);
    expect(acceptedRecipients(exampleConfig({ submissions: mailboxes }))).toEqual(exampleConfig().domains);
    buildStack(listed).template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ Recipients: ['alice@example.com', 'spam@example.com'] }),
    });
  });
});
