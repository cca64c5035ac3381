import type { SESClient, SendBounceCommand } from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import { DsnBouncer, SesBouncer } from '../../functions/adapters/bouncers.ts';
import type { BounceRequest, OutboundMail } from '../../functions/app/ports.ts';

// What the action stage asks for: its diagnostic names the policy, for our own records.
const request: BounceRequest = {
  messageId: 'ses-1',
  envelopeFrom: 'sales@partner.example',
  recipients: ['ceo@example.com'],
  arrivalDate: new Date('2026-11-25T10:00:00.000Z'),
  original: Buffer.from('From: sales@partner.example\r\nSubject: Offer\r\n\r\nBuy.\r\n'),
  status: '5.7.1',
  diagnostic: 'Message rejected by the recipient\'s mail policy "partner bounces"',
};

describe('bouncers', () => {
  it('tell an outside sender that a policy refused the message, never which policy', async () => {
    const sent: OutboundMail[] = [];
    const bouncer = new DsnBouncer(
      {
        description: 'test sink',
        deliver: async (mail) => {
          sent.push(mail);
          return { response: '250 ok', accepted: [...mail.recipients], rejected: [] };
        },
      },
      {
        from: 'mailer-daemon@example.com',
        reportingMta: 'mx.example.com',
        clock: { now: () => new Date('2026-11-25T10:00:05.000Z') },
      },
    );
    await bouncer.bounce(request);
    const dsn = Buffer.from(sent[0]?.raw ?? []).toString('latin1');
    expect(dsn).toContain("\r\nReason: Message rejected by the recipient's mail policy\r\n");
    expect(dsn).toContain(
      "Diagnostic-Code: smtp; 550 5.7.1 Message rejected by the recipient's mail policy\r\n",
    );
    expect(dsn).not.toContain('partner bounces');
  });

  it('give SES the same generic explanation', async () => {
    const commands: SendBounceCommand[] = [];
    const ses = {
      send: async (command: SendBounceCommand) => {
        commands.push(command);
        return { MessageId: 'b-1' };
      },
    } as unknown as SESClient;
    await new SesBouncer(ses, 'mailer-daemon@example.com').bounce(request);
    expect(commands[0]?.input.Explanation).toBe("Message rejected by the recipient's mail policy");
  });
});
