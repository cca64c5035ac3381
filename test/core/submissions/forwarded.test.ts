import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { describe, expect, it } from 'vitest';
import { forwardedMessages } from '../../../functions/core/submissions/forwarded.ts';

const original = [
  'From: Prize Desk <winner@promo.example.net>',
  'To: alice@example.com',
  'Subject: You won',
  'Message-ID: <won-1@promo.example.net>',
  '',
  'Claim your prize today.',
  '',
].join('\r\n');

const compose = (options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> =>
  new MailComposer({
    from: 'alice@example.com',
    to: 'spam@example.com',
    subject: 'spam',
    text: 'FYI',
    ...options,
  })
    .compile()
    .build();

describe('forwardedMessages', () => {
  it('finds a message forwarded as an attachment, byte for byte', async () => {
    const raw = await compose({
      attachments: [{ content: original, contentType: 'message/rfc822', filename: 'won.eml' }],
    });
    const found = forwardedMessages(raw);
    expect(found.map((m) => m.toString('latin1'))).toEqual([original]);
  });

  it('unwraps a forward of a forward to the message inside, but not a delivery report', async () => {
    // A colleague forwarded the spam to alice; alice forwards that to the mailbox.
    const colleague = await new MailComposer({
      from: 'carol@example.com',
      to: 'alice@example.com',
      subject: 'Fwd: You won',
      text: 'is this real?',
      attachments: [{ content: original, contentType: 'message/rfc822', filename: 'won.eml' }],
    })
      .compile()
      .build();
    const raw = await compose({
      attachments: [{ content: colleague, contentType: 'message/rfc822', filename: 'fwd.eml' }],
    });
    expect(forwardedMessages(raw).map((m) => m.toString('latin1'))).toEqual([original]);

    // Backscatter: the report is what was received, the original inside is not.
    const report = [
      'From: MAILER-DAEMON@mx.example.org',
      'To: alice@example.com',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
      '',
      '--r',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--r',
      'Content-Type: message/rfc822',
      '',
      original,
      '--r--',
      '',
    ].join('\r\n');
    const bounced = await compose({
      attachments: [{ content: report, contentType: 'message/rfc822', filename: 'bounce.eml' }],
    });
    expect(forwardedMessages(bounced).map((m) => m.toString('latin1'))).toEqual([report]);
  });

  it('decodes base64 attachments, and takes .eml files sent as octet-stream', async () => {
    const raw = await compose({
      attachments: [
        {
          content: original,
          contentType: 'message/rfc822',
          encoding: 'utf8',
          contentTransferEncoding: 'base64',
        },
        { content: original, contentType: 'application/octet-stream', filename: 'saved.EML' },
      ],
    });
    expect(forwardedMessages(raw).map((m) => m.toString('latin1'))).toEqual([original, original]);
  });

  it('finds nothing in an inline forward, or in the forwarding message itself', async () => {
    const inline = await compose({ text: `---------- Forwarded message ---------\n${original}` });
    expect(forwardedMessages(inline)).toEqual([]);
    expect(forwardedMessages(Buffer.from(original))).toEqual([]);
  });

  it('walks into a signed multipart, and stops at the limits', async () => {
    const inner = (
      await compose({ attachments: [{ content: original, contentType: 'message/rfc822' }] })
    ).toString('latin1');
    const bodyStart = inner.indexOf('\r\n\r\n') + 4;
    const contentType =
      /^Content-Type: (multipart\/mixed;[^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/m.exec(inner)?.[1] ?? '';
    const signed = [
      'From: alice@example.com',
      'To: spam@example.com',
      'Subject: spam',
      'MIME-Version: 1.0',
      'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"',
      '',
      '--sig',
      `Content-Type: ${contentType}`,
      '',
      inner.slice(bodyStart),
      '--sig',
      'Content-Type: application/pkcs7-signature; name=smime.p7s',
      'Content-Transfer-Encoding: base64',
      '',
      'MIAGCSqGSIb3DQEHAqCAMIACAQE=',
      '--sig--',
      '',
    ].join('\r\n');
    expect(forwardedMessages(Buffer.from(signed, 'latin1')).map((m) => m.toString('latin1'))).toEqual([
      original,
    ]);
    const many = await compose({
      attachments: Array.from({ length: 12 }, () => ({ content: original, contentType: 'message/rfc822' })),
    });
    expect(forwardedMessages(many)).toHaveLength(10);
    expect(forwardedMessages(many, { maxMessages: 10, maxDepth: 8, maxParts: 4 })).toHaveLength(2);
  });
});
