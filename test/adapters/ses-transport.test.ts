import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { SesTransport } from '../../functions/adapters/ses-transport.ts';

/**
 * Which SES refusals end a delivery for good. The SES emulator accepts every send, so a client
 * that throws the errors SES names is the one stand-in here (a fault it cannot produce).
 */
function refusingWith(name: string, message: string): SESv2Client {
  return {
    send: async () => {
      throw Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
    },
  } as unknown as SESv2Client;
}

const config = {
  type: 'ses',
  fromAddress: 'relay@example.com',
  forward: {},
  forwardDomain: 'mail.example.net',
} as const;
const mail = {
  envelopeFrom: 'a@sender.example.org',
  recipients: ['ann@example.com'],
  raw: Buffer.from('From: a@sender.example.org\r\nSubject: hi\r\n\r\nbody\r\n'),
};

describe('SesTransport refusals', () => {
  it.each([
    [
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: ses:SendEmail',
    ],
    ['SendingPausedException', 'Sending is paused for this account'],
    ['MailFromDomainNotVerifiedException', 'MAIL FROM domain is not verified'],
    [
      'MessageRejected',
      'Email address is not verified. The following identities failed the check: relay@example.com',
    ],
    ['TooManyRequestsException', 'Maximum sending rate exceeded'],
  ])('retries %s: our account or settings to fix, not the message', async (name, message) => {
    const transport = new SesTransport(refusingWith(name, message), config, 'Example Corp');
    await expect(transport.deliver(mail)).rejects.toMatchObject({ name: 'DeliveryError', permanent: false });
  });

  it.each([
    ['BadRequestException', 'Illegal header'],
    ['MessageRejected', 'Message rejected: content'],
  ])('ends the delivery for %s: a refusal of this message', async (name, message) => {
    const transport = new SesTransport(refusingWith(name, message), config, 'Example Corp');
    await expect(transport.deliver(mail)).rejects.toMatchObject({ name: 'DeliveryError', permanent: true });
  });
});
