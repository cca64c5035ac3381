import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    config: testConfig({ domains: ['example.com', 'example.net'], limits: { maxMessageBytes: 4096 } }),
  });
});
afterAll(async () => {
  await gw?.stop();
});

function client() {
  return nodemailer.createTransport({ host: gw.smtp.host, port: gw.smtp.port, ignoreTLS: true });
}

describe('the SMTP listener playing SES inbound', () => {
  it('refuses recipients outside the configured domains with 550 and accepts the rest', async () => {
    const raw = rfc822(
      { From: 'a@sender.example.org', To: 'x@example.com', Subject: 'mixed', 'Message-ID': '<mixed-1@x>' },
      'hi\n',
    );
    const info = await client().sendMail({
      envelope: {
        from: 'a@sender.example.org',
        to: ['ok@example.com', 'someone@elsewhere.example.org', 'also@EXAMPLE.NET'],
      },
      raw,
    });
    expect(info.accepted).toEqual(['ok@example.com', 'also@example.net']);
    expect(info.rejected).toEqual(['someone@elsewhere.example.org']);
    expect(info.rejectedErrors?.[0]?.responseCode).toBe(550);
    expect(info.rejectedErrors?.[0]?.response).toContain(
      'Recipient address rejected: not a domain handled here',
    );
    const id = /queued as ([a-z0-9]+)/.exec(info.response)?.[1] ?? '';
    const record = await gw.waitForState(id, ['delivered']);
    // One message id for all accepted recipients; addresses are lowercased.
    expect(record.recipients).toEqual(['ok@example.com', 'also@example.net']);
    const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<mixed-1@x>')));
    expect(delivered?.recipients).toEqual(['ok@example.com', 'also@example.net']);
  });

  it('refuses every recipient of a message for foreign domains', async () => {
    await expect(
      client().sendMail({
        envelope: { from: 'a@b.example.org', to: ['x@not-ours.example.org'] },
        raw: 'Subject: x\r\n\r\nx\r\n',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('with recipients configured, refuses other addresses of a handled domain, saying so', async () => {
    const narrow = await startTestGateway({
      config: testConfig({ domains: ['example.com'], recipients: ['alice@example.com'] }),
    });
    try {
      const info = await nodemailer
        .createTransport({ host: narrow.smtp.host, port: narrow.smtp.port, ignoreTLS: true })
        .sendMail({
          envelope: { from: 'a@sender.example.org', to: ['alice@example.com', 'carol@example.com'] },
          raw: 'Subject: x\r\n\r\nx\r\n',
        });
      expect(info.accepted).toEqual(['alice@example.com']);
      expect(info.rejectedErrors?.[0]?.response).toBe(
        '550 5.1.1 <carol@example.com>: Recipient address rejected: not an accepted recipient (config recipients)',
      );
    } finally {
      await narrow.stop();
    }
  });

  it('refuses a message over the size limit with 552 and stores nothing', async () => {
    const big = rfc822(
      { From: 'big@sender.example.org', To: 'x@example.com', Subject: 'big' },
      'x'.repeat(8000),
    );
    await expect(
      client().sendMail({ envelope: { from: 'big@sender.example.org', to: ['x@example.com'] }, raw: big }),
    ).rejects.toMatchObject({ responseCode: 552 });
  });

  it('stores the mail with SES-style trace headers naming the connecting IP', async () => {
    const raw = rfc822(
      {
        From: 'trace@sender.example.org',
        To: 'x@example.com',
        Subject: 'trace',
        'Message-ID': '<trace-1@x>',
      },
      'hi\n',
    );
    const id = await gw.send(raw, { from: 'trace@sender.example.org', to: ['x@example.com'] });
    const stored = (await gw.deps.mail.get(`incoming/${id}`)).toString('latin1');
    expect(stored).toMatch(
      /^Return-Path: <trace@sender\.example\.org>\r\nReceived: from [^\r]+ \[127\.0\.0\.1\]\)\r?\n?/,
    );
    expect(stored).toContain(`with SMTP id ${id}`);
    expect(stored.endsWith(raw)).toBe(true);
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.remoteIp).toBe('127.0.0.1');
  });

  it('accepts the null reverse-path (bounces) and delivers with MAIL FROM:<>', async () => {
    const raw = rfc822(
      {
        From: 'MAILER-DAEMON@sender.example.org',
        To: 'x@example.com',
        Subject: 'Undelivered',
        'Message-ID': '<dsn-1@x>',
      },
      'bounce\n',
    );
    const id = await gw.send(raw, { from: '', to: ['x@example.com'] });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.envelopeFrom).toBe('');
    const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<dsn-1@x>')));
    expect(delivered?.envelopeFrom).toBe('');
  });
});
