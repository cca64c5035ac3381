import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSmtpSecret } from '../../functions/adapters/smtp-credentials.ts';
import { SmtpTransport } from '../../functions/adapters/smtp-transport.ts';
import { selfSignedCertificate } from '../support/self-signed.ts';

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

  it('says TLS is what failed when the server offers no STARTTLS and tls is required, and keeps it retryable', async () => {
    // The server above has STARTTLS disabled; it would refuse the recipient with a 5xx, but
    // the session must end before that, at STARTTLS, and never as a bounce.
    const transport = new SmtpTransport({
      type: 'smtp',
      host: '127.0.0.1',
      port,
      tls: 'required',
      connectTimeoutSeconds: 5,
      verifyCertificate: false,
    });
    await expect(transport.deliver(mail)).rejects.toMatchObject({
      name: 'DeliveryError',
      message: expect.stringMatching(
        new RegExp(
          `^smtp://127\\.0\\.0\\.1:${port} could not start TLS: TLS failed \\(check delivery\\.tls and verifyCertificate\\): `,
        ),
      ),
      permanent: false,
    });
  });

  it('says TLS is what failed when the certificate does not pass the check, and keeps it retryable', async () => {
    // smtp-server's built-in certificate is self-signed for localhost: the check refuses it.
    const tlsServer = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH'] });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const tlsPort = (tlsServer.server.address() as { port: number }).port;
    try {
      const transport = new SmtpTransport({
        type: 'smtp',
        host: '127.0.0.1',
        port: tlsPort,
        tls: 'required',
        connectTimeoutSeconds: 5,
        verifyCertificate: true,
      });
      await expect(transport.deliver(mail)).rejects.toMatchObject({
        name: 'DeliveryError',
        message: expect.stringMatching(
          /could not start TLS: TLS failed \(check delivery\.tls and verifyCertificate\): .*cert/i,
        ),
        response: expect.stringMatching(/^TLS failed/),
        permanent: false,
      });
    } finally {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
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

describe('SmtpTransport with a time limit of the caller', () => {
  it('gives up a session that outlasts it, retryable, though each step is within its own timeout', async () => {
    // The server greets and takes the message, then never answers the end of DATA: without the
    // limit, the 60-second socket timeout would decide.
    let received = false;
    const stalling = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream) => {
        stream.resume();
        stream.on('end', () => {
          received = true;
        });
      },
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const stallingPort = (stalling.server.address() as { port: number }).port;
    const transport = new SmtpTransport({
      type: 'smtp',
      host: '127.0.0.1',
      port: stallingPort,
      tls: 'none',
      connectTimeoutSeconds: 5,
      verifyCertificate: true,
    });
    const started = Date.now();
    try {
      await expect(transport.deliver({ ...mail, timeoutMs: 800 })).rejects.toMatchObject({
        name: 'DeliveryError',
        message: `smtp://127.0.0.1:${stallingPort} did not finish within 0.8 s`,
        permanent: false,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(received).toBe(true);
    } finally {
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });
});

describe('SmtpTransport with SMTP AUTH (RFC 4954) over STARTTLS', () => {
  const accepted: Array<{ user: string; data: string }> = [];
  let tlsServer: SMTPServer;
  let tlsPort: number;
  const password = 'right-horse-battery';

  beforeAll(async () => {
    const { key, cert } = selfSignedCertificate('relay.example.com');
    tlsServer = new SMTPServer({
      key,
      cert,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (auth, _session, callback) =>
        auth.username === 'graywall' && auth.password === password
          ? callback(null, { user: auth.username })
          : callback(
              Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }),
            ),
      onData: (stream, session, callback) => {
        let data = '';
        stream.on('data', (chunk: Buffer) => {
          data += chunk.toString('latin1');
        });
        stream.on('end', () => {
          accepted.push({ user: String(session.user), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  });

  /** The login as the secret holds it; counts how often the server refused it. */
  function login(username: string, secret: () => string) {
    const source = {
      refusals: 0,
      get: async () => ({ username, password: secret() }),
      refused: () => {
        source.refusals++;
      },
    };
    return source;
  }

  const config = () =>
    ({
      type: 'smtp',
      host: '127.0.0.1',
      port: tlsPort,
      tls: 'required',
      // The test server's certificate is self-signed.
      verifyCertificate: false,
      connectTimeoutSeconds: 5,
    }) as const;

  it('logs in and delivers', async () => {
    const transport = new SmtpTransport(
      config(),
      login('graywall', () => password),
    );
    const receipt = await transport.deliver(mail);
    expect(receipt.accepted).toEqual(['b@example.com']);
    expect(accepted.at(-1)?.user).toBe('graywall');
  });

  it('keeps the message for a retry when the login is refused, and reads the secret again', async () => {
    let current = 'stale-password';
    const source = login('graywall', () => current);
    const transport = new SmtpTransport(config(), source);
    await expect(transport.deliver(mail)).rejects.toMatchObject({
      name: 'DeliveryError',
      message: expect.stringContaining('refused our login (check the delivery.auth secret)'),
      permanent: false,
    });
    expect(source.refusals).toBe(1);
    // The secret was rotated: the next attempt logs in with the new one.
    current = password;
    await expect(transport.deliver(mail)).resolves.toMatchObject({ accepted: ['b@example.com'] });
  });

  it('is delivered to no one without a login when the server requires one', async () => {
    const before = accepted.length;
    await expect(new SmtpTransport(config()).deliver(mail)).rejects.toMatchObject({ name: 'DeliveryError' });
    expect(accepted).toHaveLength(before);
  });
});

describe('the delivery.auth secret', () => {
  it('holds a username and a password', () => {
    expect(parseSmtpSecret('{"username":"graywall","password":"p"}', 'relay-login')).toEqual({
      username: 'graywall',
      password: 'p',
    });
    expect(() => parseSmtpSecret('graywall:p', 'relay-login')).toThrow(
      'secret relay-login is not JSON: it must be {"username": "...", "password": "..."}',
    );
    expect(() => parseSmtpSecret('{"user":"graywall","password":""}', 'relay-login')).toThrow(
      /must hold \{"username": "...", "password": "..."\} with both non-empty/,
    );
  });
});
