import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { DeliveryReceipt, OutboundMail, Transport } from '../app/ports.ts';
import type { SesDeliveryConfig } from '../core/config/schema.ts';
import { forwardAddress, rewriteForForwarding } from '../core/delivery/forwarding.ts';
import { DeliveryError } from '../core/errors.ts';
import { parseMessage } from '../core/mime/parse-message.ts';
import { readHeaderBlock } from '../core/mime/raw-message.ts';

/**
 * Forwards mail through SES (SendEmail with raw content) for organisations whose mailboxes
 * live elsewhere. Recipients are mapped by `forward` / `forwardDomain`; the From header is
 * rewritten to the verified `fromAddress` (see rewriteForForwarding).
 */
export class SesTransport implements Transport {
  readonly description: string;
  private readonly ses: SESv2Client;
  private readonly config: SesDeliveryConfig;
  private readonly orgName: string;

  constructor(ses: SESv2Client, config: SesDeliveryConfig, orgName: string) {
    this.ses = ses;
    this.config = config;
    this.orgName = orgName;
    this.description = `ses (from ${config.fromAddress})`;
  }

  async deliver(mail: OutboundMail): Promise<DeliveryReceipt> {
    const targets = new Map<string, string>();
    const unmapped: string[] = [];
    for (const recipient of mail.recipients) {
      const target = forwardAddress(this.config, recipient);
      if (target) targets.set(recipient, target);
      else unmapped.push(recipient);
    }
    if (targets.size === 0) {
      throw new DeliveryError(`no forward address configured for ${unmapped.join(', ')}`, {
        permanent: true,
        response: 'no forward address configured',
      });
    }
    // Only the header is read: the rewrite needs From and Reply-To, and parsing a body of up to
    // SES's 40 MB would hold several decoded copies of it in the function's memory.
    const header = await parseMessage(mail.raw.subarray(0, readHeaderBlock(mail.raw).bodyStart));
    const raw = rewriteForForwarding(mail.raw, header, this.config.fromAddress, this.orgName);
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.config.fromAddress,
          Destination: { ToAddresses: [...new Set(targets.values())] },
          Content: { Raw: { Data: raw } },
        }),
      );
      return {
        response: `SES accepted as ${out.MessageId ?? 'unknown id'}`,
        accepted: [...targets.keys()],
        rejected: unmapped,
      };
    } catch (error) {
      const e = error as Error & { $metadata?: { httpStatusCode?: number } };
      // Only a refusal of this message is permanent: the request itself is malformed
      // (BadRequestException), or SES rejected the content (MessageRejected, unless it is about
      // an identity). Everything else about our account (AccessDenied, SendingPaused,
      // MailFromDomainNotVerified, an unverified identity, throttling) is ours to fix: retried,
      // so the failing-stage and dead-letter alarms page someone, and nothing is lost.
      const permanent =
        e.name === 'BadRequestException' ||
        (e.name === 'MessageRejected' && !/verif|identit|sandbox/i.test(e.message));
      throw new DeliveryError(`SES refused the message: ${e.name}: ${e.message}`, {
        cause: error,
        permanent,
        response: `${e.name}: ${e.message}`,
      });
    }
  }
}
