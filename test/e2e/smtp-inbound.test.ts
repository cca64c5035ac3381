import { connect } from 'node:net';
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

/** Speaks SMTP line by line over a raw socket (bytes as given), returning each reply. */
async function dialog(lines: readonly Buffer[]): Promise<string[]> {
  const socket = connect(gw.smtp.port, gw.smtp.host);
  const replies: string[] = [];
  let buffer = '';
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    // A reply is complete at a line whose code is followed by a space (RFC 5321 §4.2.1).
    while (/^\d{3} .*\r\n/m.test(buffer)) {
      const end = buffer.search(/^\d{3} .*\r\n/m);
      const lineEnd = buffer.indexOf('\r\n', end) + 2;
      replies.push(buffer.slice(0, lineEnd));
      buffer = buffer.slice(lineEnd);
      waiting?.();
    }
  });
  const next = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (replies.length >= count ? resolve() : undefined);
      waiting = check;
      check();
    });
  await next(1);
  for (const line of lines) {
    socket.write(Buffer.concat([line, Buffer.from('\r\n')]));
    await next(replies.length + 1);
  }
  socket.end();
  return replies;
}

describe('the SMTP listener playing SES inbound', () => {
  it('takes no SMTPUTF8 and refuses non-ASCII addresses with 553 5.6.7, which could write header fields', async () => {
    // U+060D U+060A keep CR and LF as their low byte: written into our Received field as
    // latin1, such a recipient would add fields and end the header early.
    const forged = Buffer.from('RCPT TO:<q\u060d\u060aX-Injected\u063a\u0620yes@example.com>', 'utf8');
    const replies = await dialog([
      Buffer.from('EHLO client.example.org'),
      Buffer.from('MAIL FROM:<a@sender.example.org>'),
      forged,
      Buffer.from('RSET'),
      Buffer.from('MAIL FROM:<j\u00f6rg@sender.example.org>', 'utf8'),
      Buffer.from('QUIT'),
    ]);
    expect(replies[1]).not.toContain('SMTPUTF8');
    expect(replies[2]).toMatch(/^250 /);
    expect(replies[3]).toMatch(
      /^553 5\.6\.7 <q\?+X-Injected\?+yes@example\.com>: non-ASCII addresses are not accepted/,
    );
    expect(replies[5]).toMatch(/^553 5\.6\.7 <j\?+rg@sender\.example\.org>: non-ASCII addresses/);
  });

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
