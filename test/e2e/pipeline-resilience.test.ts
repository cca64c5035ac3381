import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGraymailStage } from '../../functions/app/graymail-stage.ts';
import { INCOMING_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import { newSesMessageId } from '../../functions/local/message-id.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;
let cli: CliRun;

beforeAll(async () => {
  gw = await startTestGateway();
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

const deliveredWith = (marker: string) =>
  gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from(marker))) ?? [];

describe('at-least-once events', () => {
  it('delivers once when the same SES notification arrives three times at once', async () => {
    const raw = rfc822(
      { From: 'dup@sender.example.org', To: 'dave@example.com', Subject: 'dup', 'Message-ID': '<dup-1@x>' },
      'once\n',
    );
    const id = await gw.inject(
      raw,
      { from: 'dup@sender.example.org', to: ['dave@example.com'] },
      { copies: 3 },
    );
    const record = await gw.waitForState(id, ['delivered']);
    // Let the duplicates drain through every stage before counting deliveries.
    await new Promise((r) => setTimeout(r, 1500));
    expect(deliveredWith('<dup-1@x>')).toHaveLength(1);
    expect(record.events.filter((e) => e.type === 'scanned')).toHaveLength(1);
    const final = await gw.deps.tracking.get(id);
    expect(final?.events.filter((e) => e.type === 'delivered')).toHaveLength(1);
  });

  it('delivers once when a notification is redelivered after the message was handled', async () => {
    const raw = rfc822(
      {
        From: 'late@sender.example.org',
        To: 'erin@example.com',
        Subject: 'late',
        'Message-ID': '<late-1@x>',
      },
      'hi\n',
    );
    const id = await gw.inject(raw, { from: 'late@sender.example.org', to: ['erin@example.com'] });
    await gw.waitForState(id, ['delivered']);
    // Same notification again, long after: SES/SNS/SQS may do this.
    const record = await gw.deps.tracking.get(id);
    const { receiptNotification } = await import('../../functions/local/smtp-inbound.ts');
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await gw.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: gw.queues.inbound.url,
        MessageBody: JSON.stringify(
          receiptNotification(
            id,
            gw.deps.mail.bucket,
            record?.key ?? '',
            'late@sender.example.org',
            ['erin@example.com'],
            new Date(),
          ),
        ),
      }),
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(deliveredWith('<late-1@x>')).toHaveLength(1);
    const logs = gw.logLines.filter(
      (l) => l.messageId === id && l.message === 'recipients already handled by an earlier attempt',
    );
    expect(logs.length).toBeGreaterThan(0);
  });
});

describe('SES setup notification', () => {
  it('is acknowledged, not tracked, counted or delivered: SES sends it when the receipt rule is created', async () => {
    const { receiptNotification } = await import('../../functions/local/smtp-inbound.ts');
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const key = `${INCOMING_PREFIX}AMAZON_SES_SETUP_NOTIFICATION`;
    await gw.deps.mail.put(
      key,
      Buffer.from(
        'From: no-reply-aws@amazon.com\r\nTo: postmaster@example.com\r\nSubject: Amazon SES Setup Notification\r\n\r\nThis is a test.\r\n',
      ),
    );
    await gw.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: gw.queues.inbound.url,
        MessageBody: JSON.stringify(
          receiptNotification(
            'AMAZON_SES_SETUP_NOTIFICATION',
            gw.deps.mail.bucket,
            key,
            'no-reply-aws@amazon.com',
            ['postmaster@example.com'],
            new Date(),
          ),
        ),
      }),
    );
    const deadline = Date.now() + 10_000;
    const noted = () => gw.logLines.some((l) => String(l.message).startsWith('SES setup notification'));
    while (!noted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(noted()).toBe(true);
    expect(await gw.deps.tracking.get('AMAZON_SES_SETUP_NOTIFICATION')).toBeUndefined();
    expect(deliveredWith('Amazon SES Setup Notification')).toHaveLength(0);
  });
});

describe('bad input', () => {
  // 2000 nested multiparts: the parser refuses it (too many child nodes).
  const nested = Array.from(
    { length: 2000 },
    (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`,
  ).join('');

  it('gives undecodable MIME a tracked "unscannable" verdict and delivers it with a warning tag', async () => {
    // Nothing spammy in what can be read (header, undecoded text): policy decides.
    const raw = `From: nest@sender.example.org\r\nTo: frank@example.com\r\nSubject: nested\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <nest-1@x>\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n${nested}`;
    const id = await gw.send(raw, { from: 'nest@sender.example.org', to: ['frank@example.com'] });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.scan).toMatchObject({ verdict: 'unscannable' });
    expect(record.scan?.reasons[0]?.id).toBe('MIME_PARSE_ERROR');
    const [delivered] = deliveredWith('<nest-1@x>');
    const text = delivered?.raw.toString('latin1') ?? '';
    expect(text).toContain('Subject: [WARNING: MESSAGE UNSCANNED] nested');
    expect(text).not.toContain('X-Graywall-Filtered');
    expect(text).toContain('X-Graywall-Result: score=0; verdict=not scanned;');
    // Unparsed, yet findable: the header block alone was read for the tracking record.
    expect(record).toMatchObject({
      from: 'nest@sender.example.org',
      subject: 'nested',
      internetMessageId: '<nest-1@x>',
    });
  });

  it('quarantines undecodable MIME that reads as spam: a thousand empty parts do not get spam past the scan', async () => {
    const parts = '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(1001);
    const raw = `From: win@prize.example.net\r\nTo: frank@example.com\r\nSubject: you won\r\nMessage-ID: <parts-1@x>\r\nX-Advertisement: spam\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`;
    const id = await gw.send(raw, { from: 'win@prize.example.net', to: ['frank@example.com'] });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.scan).toMatchObject({ verdict: 'positive', note: 'MIME not decoded' });
    expect(record.scan?.reasons.map((r) => r.id)).toEqual(
      expect.arrayContaining(['X_ADVERTISEMENT_SPAM', 'MIME_PARSE_ERROR']),
    );
  });

  it('does not fail the graymail stage on undecodable MIME that scored suspect: it is no graymail', async () => {
    // The stage itself, over the emulators: the suspect verdict is given, not left to the model.
    const id = newSesMessageId();
    const key = `${INCOMING_PREFIX}${id}`;
    const receivedAt = new Date().toISOString();
    const raw = `From: nest@sender.example.org\r\nTo: frank@example.com\r\nSubject: nested again\r\nMessage-ID: <nest-2@x>\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n${nested}`;
    await gw.deps.mail.put(key, Buffer.from(raw));
    const mail = {
      messageId: id,
      bucket: gw.deps.mail.bucket,
      key,
      receivedAt,
      envelopeFrom: 'nest@sender.example.org',
      recipients: ['frank@example.com'],
      ses: {},
    };
    await gw.deps.tracking.create({
      ...mail,
      size: raw.length,
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
      event: { at: receivedAt, stage: 'receive', type: 'received', detail: 'injected' },
    });
    const classified = await runGraymailStage(gw.deps, {
      v: 1,
      mail,
      scan: { score: 60, verdict: 'suspect', reasons: [], engineVersion: 'test' },
    });
    expect(classified.graymail).toEqual({ category: 'none', reasonIds: [] });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.events.find((e) => e.stage === 'graymail')?.detail).toBe(
      'Graymail check skipped: message could not be decoded as MIME',
    );
  });

  it('reads lines ended by a bare CR as lines, as the delivering SMTP client will send them', async () => {
    // Stored as received (SES's S3 object): read as one header line, it would hide GTUBE.
    const gtube = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
    const raw = `From: cr@sender.example.org\rTo: frank@example.com\rSubject: cr test\rMessage-ID: <cr-1@x>\r\r${gtube}\r`;
    const id = await gw.inject(raw, { from: 'cr@sender.example.org', to: ['frank@example.com'] });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.scan?.verdict).toBe('positive');
    expect(record).toMatchObject({ subject: 'cr test', internetMessageId: '<cr-1@x>' });
  });

  it('records From, Subject and Message-ID of mail above the never-scan size, so admins can find it', async () => {
    // 2.5 MB: above the default never-scan size (2 MiB), below the 40 MB limit.
    const raw = rfc822(
      {
        From: 'Big Sender <big@sender.example.org>',
        To: 'ivan@example.com',
        Subject: 'quarterly figures',
        'Message-ID': '<big-1@x>',
      },
      `${'0123456789abcdef '.repeat(4)}\n`.repeat(38_000),
    );
    expect(Buffer.byteLength(raw)).toBeGreaterThan(2.4 * 1024 * 1024);
    const id = await gw.send(raw, { from: 'big@sender.example.org', to: ['ivan@example.com'] });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.scan).toMatchObject({ verdict: 'unscannable', note: 'not scanned: size' });
    expect(record).toMatchObject({
      from: 'big@sender.example.org',
      subject: 'quarterly figures',
      internetMessageId: '<big-1@x>',
    });
  });

  it('scans binary garbage without crashing and tracks the outcome', async () => {
    const garbage = Buffer.from(Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 254) + 1));
    const id = await gw.send(garbage, { from: 'noise@sender.example.org', to: ['gina@example.com'] });
    const record = await gw.waitForState(id, ['delivered', 'quarantined']);
    // Whatever the engines make of it, it gets a verdict and a tracked outcome.
    expect(['clean', 'suspect', 'positive', 'unscannable']).toContain(record.scan?.verdict);
  });
});

describe('a stage that keeps failing', () => {
  it('is retried, then dead-lettered with the mail kept, and delivered once after a redrive', async () => {
    gw.sink?.refuseWith({ code: 451, message: '4.3.0 mailbox server busy' });
    const raw = rfc822(
      {
        From: 'busy@sender.example.org',
        To: 'hank@example.com',
        Subject: 'busy',
        'Message-ID': '<busy-1@x>',
      },
      'hello\n',
    );
    const id = await gw.send(raw, { from: 'busy@sender.example.org', to: ['hank@example.com'] });
    const record = await gw.waitForState(id, ['error'], 20_000);
    gw.sink?.refuseWith(undefined);

    const failures = record.events.filter((e) => e.type === 'delivery-failed');
    expect(failures).toHaveLength(3); // pipeline.deliveryAttempts in the test config
    // Spaced out by the backoff (locally seconds; in AWS 1 min doubling up to 12 h).
    expect(record.events.filter((e) => e.type === 'stage-failed').map((e) => e.detail)).toEqual([
      expect.stringMatching(/^action attempt 1 of 3 failed: .*; will retry in 1 s$/),
      expect.stringMatching(/^action attempt 2 of 3 failed: .*; will retry in 2 s$/),
    ]);
    expect(failures[0]?.detail).toContain('451 4.3.0 mailbox server busy');
    const dead = record.events.find((e) => e.type === 'dead-lettered');
    expect(dead?.detail).toContain(`s3://graywall-mail/incoming/${id}`);
    // The raw mail is still there.
    const object = await gw.clients.s3.send(
      new GetObjectCommand({ Bucket: 'graywall-mail', Key: `incoming/${id}` }),
    );
    expect(await object.Body?.transformToString()).toContain('<busy-1@x>');
    // SQS moves the message to the dead-letter queue on the receive after the last attempt.
    const start = Date.now();
    let moved = 0;
    while (moved === 0 && Date.now() - start < 10_000) {
      const peek = await gw.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: gw.queues.action.dlqUrl, VisibilityTimeout: 0 }),
      );
      moved = peek.Messages?.length ?? 0;
      if (moved === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(moved).toBe(1);
    expect(deliveredWith('<busy-1@x>')).toHaveLength(0);

    // As an admin would: the CLI, through the admin API.
    expect((await cli('redrive', 'action')).out).toBe(
      'Moved 1 message(s) from the action dead-letter queue back to its queue\n',
    );
    expect((await cli('redrive', 'nowhere')).err).toContain('stage must be one of inbound, graymail, action');
    const after = await gw.waitForState(id, ['delivered']);
    expect(after.recipientStates[0]).toMatchObject({ recipient: 'hank@example.com', state: 'delivered' });
    // The timeline shows the redrive between the failure and the delivery, once.
    const types = after.events.map((e) => e.type);
    expect(types.filter((t) => t === 'resumed')).toHaveLength(1);
    expect(types.indexOf('resumed')).toBeGreaterThan(types.indexOf('dead-lettered'));
    expect(types.lastIndexOf('delivered')).toBeGreaterThan(types.indexOf('resumed'));
    expect(after.events.find((e) => e.type === 'resumed')?.detail).toBe(
      'action picked the message up again: its dead-letter queue was redriven (the failure is above)',
    );
    expect(deliveredWith('<busy-1@x>')).toHaveLength(1);
  });
});
