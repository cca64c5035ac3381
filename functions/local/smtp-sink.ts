import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly raw: Buffer;
  readonly receivedAt: Date;
}

export interface SmtpSink {
  readonly port: number;
  readonly messages: readonly SinkMessage[];
  /**
   * Makes the sink answer every DATA with this SMTP error (e.g. 451 or 554), or accept again
   * with `undefined`: how tests play a downstream host that is down or refusing.
   */
  refuseWith(reply: { code: number; message: string } | undefined): void;
  /**
   * From now on refuse RCPT TO for the addresses `match` picks with `reply` (the others are
   * taken); `undefined` takes every recipient again: a host that knows some users and not others.
   */
  refuseRecipients(
    match: ((address: string) => boolean) | undefined,
    reply?: { code: number; message: string },
  ): void;
  /** Resolves with the first message (already received or arriving) that matches. */
  waitFor(match: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  clear(): void;
  stop(): Promise<void>;
}

/**
 * The downstream mail host of the local gateway: a real SMTP server on 127.0.0.1 that keeps
 * what it receives. It offers STARTTLS with smtp-server's built-in self-signed certificate,
 * so the relay transport's STARTTLS path runs for real. It keeps messages in memory and,
 * with `saveDir`, as .eml files too.
 */
export async function startSmtpSink(
  options: {
    port?: number;
    onMessage?: (message: SinkMessage) => void;
    /** Also write each message there as `<received time>-<n>.eml`, to open in a mail reader. */
    saveDir?: string;
    /** Offer no STARTTLS: a server that speaks plain SMTP only (tests of the TLS settings). */
    plainOnly?: boolean;
  } = {},
): Promise<SmtpSink> {
  if (options.saveDir) mkdirSync(options.saveDir, { recursive: true });
  const messages: SinkMessage[] = [];
  const events = new EventEmitter();
  let refusal: { code: number; message: string } | undefined;
  let recipientRefusal: { match: (address: string) => boolean; code: number; message: string } | undefined;
  const server = new SMTPServer({
    name: 'sink.graywall.local',
    authOptional: true,
    disabledCommands: options.plainOnly ? ['AUTH', 'STARTTLS'] : ['AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (recipientRefusal?.match(address.address)) {
        const error = new Error(recipientRefusal.message) as Error & { responseCode: number };
        error.responseCode = recipientRefusal.code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusal) {
          const error = new Error(refusal.message) as Error & { responseCode: number };
          error.responseCode = refusal.code;
          return callback(error);
        }
        const message: SinkMessage = {
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          recipients: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          receivedAt: new Date(),
        };
        messages.push(message);
        if (options.saveDir) {
          const stamp = message.receivedAt.toISOString().replace(/[:.]/g, '-');
          writeFileSync(join(options.saveDir, `${stamp}-${messages.length}.eml`), message.raw);
        }
        options.onMessage?.(message);
        events.emit('message', message);
        callback(null, `Ok: stored as #${messages.length}`);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    refuseWith(reply) {
      refusal = reply;
    },
    refuseRecipients(match, reply = { code: 550, message: '5.1.1 no such user here' }) {
      recipientRefusal = match ? { match, ...reply } : undefined;
    },
    waitFor(match, timeoutMs = 10_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onMessage = (message: SinkMessage): void => {
          if (!match(message)) return;
          clearTimeout(timer);
          events.off('message', onMessage);
          resolve(message);
        };
        const timer = setTimeout(() => {
          events.off('message', onMessage);
          reject(new Error(`no matching message reached the sink within ${timeoutMs} ms`));
        }, timeoutMs);
        events.on('message', onMessage);
      });
    },
    clear() {
      messages.length = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
