import { describe, expect, it } from 'vitest';
import { parseInboundNotification } from '../../functions/app/pipeline-messages.ts';
import { BadRequestError } from '../../functions/core/errors.ts';

const notification = {
  notificationType: 'Received',
  mail: {
    timestamp: '2026-11-25T10:00:00.000Z',
    source: 'a@sender.example',
    messageId: 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
    destination: ['x@example.com'],
  },
  receipt: {
    recipients: ['Bob@Example.com', 'bcc@example.com'],
    spamVerdict: { status: 'PASS' },
    virusVerdict: { status: 'FAIL' },
    spfVerdict: { status: 'GRAY' },
    dkimVerdict: { status: 'PASS' },
    dmarcVerdict: { status: 'PROCESSING_FAILED' },
    action: {
      type: 'S3',
      topicArn: 'arn:aws:sns:us-east-1:1:t',
      bucketName: 'mail',
      objectKeyPrefix: 'incoming/',
      objectKey: 'incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
    },
  },
};

describe('parseInboundNotification', () => {
  it('reads the envelope (Bcc recipients included) and SES verdicts from a raw SNS delivery', () => {
    expect(parseInboundNotification(JSON.stringify(notification))).toEqual({
      messageId: 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
      bucket: 'mail',
      key: 'incoming/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
      receivedAt: '2026-11-25T10:00:00.000Z',
      envelopeFrom: 'a@sender.example',
      recipients: ['bob@example.com', 'bcc@example.com'],
      ses: { spam: 'PASS', virus: 'FAIL', spf: 'GRAY', dkim: 'PASS', dmarc: 'PROCESSING_FAILED' },
    });
  });

  it('unwraps the SNS envelope when raw delivery is off', () => {
    const wrapped = JSON.stringify({ Type: 'Notification', Message: JSON.stringify(notification) });
    expect(parseInboundNotification(wrapped).recipients).toEqual(['bob@example.com', 'bcc@example.com']);
  });

  it('refuses anything else with a clear error', () => {
    expect(() => parseInboundNotification('not json')).toThrow(BadRequestError);
    expect(() => parseInboundNotification(JSON.stringify({ Records: [{ s3: {} }] }))).toThrow(
      /not an SES receipt notification/,
    );
    const traversal = { ...notification, mail: { ...notification.mail, messageId: '../../etc/passwd' } };
    expect(() => parseInboundNotification(JSON.stringify(traversal))).toThrow(BadRequestError);
  });
});
