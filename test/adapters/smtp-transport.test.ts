import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpTransport } from '../../functions/adapters/smtp-transport.ts';

/** A real SMTP server on 127.0.0.1 that refuses every recipient with 550. */
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo: (_address, _session, callback) =>
      callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 })),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const free = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

const mail = {
  envelopeFrom: 'a@sender.example',
  recipients: ['b@example.com'],
  raw: Buffer.from('Subject: x\r\n\r\nhi\r\n'),
};

describe('SmtpTransport errors', () => {
  it('says the server refused the message when it answered with a 5xx, and marks it permanent', async () => {
    const transport = new SmtpTransport({
      type: 'smtp',
      host: '127.0.0.1',
      port,
      tls: 'none',
      connectTimeoutSeconds: 5,
      verifyCertificate: true,
    });
    await expect(transport.deliver(mail)).rejects.toMatchObject({
      name: 'DeliveryError',
      message: expect.stringMatching(new RegExp(`^smtp://127\\.0\\.0\\.1:${port} refused the message: 550`)),
      permanent: true,
    });
  });

  it('says the server could not be reached when the connection fails, and keeps it retryable', async () => {
    const free = await closedPort();
    const transport = new SmtpTransport({
      type: 'smtp',
      host: '127.0.0.1',
      port: free,
      tls: 'none',
      connectTimeoutSeconds: 5,
      verifyCertificate: true,
    });
    await expect(transport.deliver(mail)).rejects.toMatchObject({
      name: 'DeliveryError',
      message: expect.stringMatching(
        new RegExp(`^smtp://127\\.0\\.0\\.1:${free} could not be reached: .*ECONNREFUSED`),
      ),
      permanent: false,
    });
  });
});
