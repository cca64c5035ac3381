import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { UnsubscribeMailer } from '../app/ports.ts';

/**
 * Sends mailto: unsubscribe requests through SES, From the recipient (an address in one of
 * our verified domains, which is what list servers match the request against).
 */
export class SesUnsubscribeMailer implements UnsubscribeMailer {
  private readonly ses: SESv2Client;
  constructor(ses: SESv2Client) {
    this.ses = ses;
  }

  async send(mail: { from: string; to: string; subject: string; body: string }): Promise<string> {
    const out = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [mail.to] },
        Content: { Simple: { Subject: { Data: mail.subject }, Body: { Text: { Data: mail.body } } } },
        // System mail: no tracking or engagement features, and it must not loop back into us.
        EmailTags: [{ Name: 'graywall', Value: 'unsubscribe' }],
      }),
    );
    return out.MessageId ?? 'sent';
  }
}
