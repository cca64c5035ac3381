import { SendMessageCommand } from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';
import { createJsonLogger } from '../../functions/adapters/json-logger.ts';
import type { Logger } from '../../functions/app/ports.ts';
import { parseConfig } from '../../functions/core/config/parse-config.ts';
import type { ConfigInput, GraywallConfig } from '../../functions/core/config/schema.ts';
import { INCOMING_PREFIX } from '../../functions/core/mime/mail-keys.ts';
import type { MessageState, TrackingRecord } from '../../functions/core/tracking/types.ts';
import { type Gateway, type GatewayOptions, startGateway } from '../../functions/local/gateway.ts';
import { newSesMessageId } from '../../functions/local/message-id.ts';
import { receiptNotification } from '../../functions/local/smtp-inbound.ts';
import { fakeDns } from './fake-dns.ts';

export const TEST_CONFIG: ConfigInput = {
  organisation: { name: 'Example Corp' },
  domains: ['example.com'],
  delivery: { type: 'smtp', host: 'mail.internal.example.com', port: 587 },
  pipeline: { maxReceiveCount: 3, deliveryAttempts: 3 },
};

export function testConfig(overrides: Partial<ConfigInput> = {}): GraywallConfig {
  return parseConfig(JSON.stringify({ ...TEST_CONFIG, ...overrides }), 'test config');
}

/** Log lines are kept in memory (and printed when GRAYWALL_TEST_LOGS=1) for assertions. */
export function memoryLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createJsonLogger({
    level: 'debug',
    write: (line) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      if (process.env.GRAYWALL_TEST_LOGS === '1') process.stdout.write(`${line}\n`);
    },
  });
  return { log, lines };
}

export interface TestGateway extends Gateway {
  readonly logLines: Array<Record<string, unknown>>;
  /** Sends raw bytes over SMTP to the gateway's inbound listener; resolves with the queued id. */
  send(raw: string | Buffer, envelope: { from: string; to: string[] }): Promise<string>;
  /** Polls the tracking record until its state is one of `states`. */
  waitForState(
    messageId: string,
    states: readonly MessageState[],
    timeoutMs?: number,
  ): Promise<TrackingRecord>;
  /**
   * Stores a message and queues its SES notification `copies` times at once, as an
   * at-least-once event source would on a bad day. Returns the message id.
   */
  inject(
    raw: string | Buffer,
    envelope: { from: string; to: string[] },
    options?: { copies?: number; ses?: Record<string, { status: string }> },
  ): Promise<string>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export async function startTestGateway(options: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const { log, lines } = memoryLogger();
  // An empty zone unless the test brings one: SPF, DKIM and DMARC come out "none", never
  // from whatever the machine's DNS says.
  const gateway = await startGateway({
    config: testConfig(),
    log,
    retryDelaySeconds: 1,
    authResolver: fakeDns(),
    ...options,
  });
  const transport = nodemailer.createTransport({
    host: gateway.smtp.host,
    port: gateway.smtp.port,
    ignoreTLS: true,
    pool: false,
  });
  return {
    ...gateway,
    logLines: lines,
    async send(raw, envelope) {
      const info = await transport.sendMail({ envelope, raw });
      const id = /queued as ([a-z0-9]+)/.exec(info.response)?.[1];
      if (!id) throw new Error(`unexpected SMTP reply: ${info.response}`);
      return id;
    },
    async waitForState(messageId, states, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last: TrackingRecord | undefined;
      while (Date.now() < deadline) {
        last = await gateway.deps.tracking.get(messageId);
        if (last && states.includes(last.state)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(
        `message ${messageId} did not reach ${states.join('/')} within ${timeoutMs} ms; last: ${JSON.stringify(last, null, 1)}`,
      );
    },
    async inject(raw, envelope, options = {}) {
      const id = newSesMessageId();
      const key = `${INCOMING_PREFIX}${id}`;
      await gateway.deps.mail.put(key, Buffer.from(raw));
      const notification = receiptNotification(
        id,
        gateway.deps.mail.bucket,
        key,
        envelope.from,
        envelope.to,
        new Date(),
      );
      // Verdicts as SES would set them (spfVerdict, dmarcVerdict...), for tests that need them.
      Object.assign(notification.receipt, options.ses ?? {});
      const body = JSON.stringify(notification);
      await Promise.all(
        Array.from({ length: options.copies ?? 1 }, () =>
          gateway.clients.sqs.send(
            new SendMessageCommand({ QueueUrl: gateway.queues.inbound.url, MessageBody: body }),
          ),
        ),
      );
      return id;
    },
    async api(method, path, body) {
      const response = await fetch(`${gateway.apiUrl}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return { status: response.status, body: (await response.json()) as never };
    },
  };
}

/** A plain RFC 5322 message with CRLF line endings. */
export function rfc822(fields: Record<string, string>, body: string): string {
  const header = Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  return `${header}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}
