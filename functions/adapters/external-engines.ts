import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {
  type EngineReading,
  type ExternalEngineOutcome,
  type ExternalEngineType,
  readRspamdResult,
  readSpamdResponse,
} from '../core/multiscan/engine-verdict.ts';
import {
  type ExternalEngineConfig,
  engineName,
  type RspamdEngineConfig,
  type SpamdEngineConfig,
} from '../core/multiscan/external-engines-config.ts';

/**
 * Multi-scan: asks the organisation's other spam engines about a message.
 *
 * - rspamd: `POST /checkv2` with the raw message as the body and the envelope in rspamd's
 *   request headers (IP, Helo, From, Rcpt, Queue-Id); the reply is JSON.
 * - SpamAssassin spamd: the SPAMC/SPAMD protocol over TCP: `SYMBOLS SPAMC/1.5`, a
 *   `Content-length` header, a blank line and the message; the reply carries
 *   `Spam: True ; 7.5 / 5.0` and the rule names.
 *
 * Each exchange has a time limit (connect to last byte), a cap on the message sent and on the
 * reply read, and ends in an outcome, never an exception: an engine that is down, slow or
 * talks nonsense gives an `error` outcome, which maps to a zero-score reason.
 */

export interface EngineContext {
  /** The sender IP (relay-aware). */
  readonly senderIp?: string;
  readonly helo?: string;
  readonly envelopeFrom?: string;
  readonly recipients?: readonly string[];
  /** Our message id, for correlating the engine's logs. */
  readonly queueId?: string;
}

/** Replies larger than this are not an engine talking to us. */
const MAX_RSPAMD_REPLY = 1024 * 1024;
const MAX_SPAMD_REPLY = 128 * 1024;
const MAX_RECIPIENT_HEADERS = 50;

/** Asks every configured engine at once; one outcome per engine, in config order. */
export function scanWithExternalEngines(
  engines: readonly ExternalEngineConfig[],
  raw: Uint8Array,
  context: EngineContext = {},
): Promise<ExternalEngineOutcome[]> {
  return Promise.all(engines.map((engine) => scanWithExternalEngine(engine, raw, context)));
}

export async function scanWithExternalEngine(
  engine: ExternalEngineConfig,
  raw: Uint8Array,
  context: EngineContext = {},
): Promise<ExternalEngineOutcome> {
  const name = engineName(engine);
  const fail = (
    error: 'timeout' | 'too-large' | 'network' | 'protocol',
    detail: string,
  ): ExternalEngineOutcome => ({
    status: 'error',
    engine: engine.type,
    name,
    error,
    detail,
  });
  if (raw.byteLength > engine.maxMessageBytes) {
    return fail(
      'too-large',
      `message of ${raw.byteLength} bytes is over the ${engine.maxMessageBytes}-byte limit`,
    );
  }
  const timeoutMs = engine.timeoutSeconds * 1000;
  try {
    const reading =
      engine.type === 'rspamd'
        ? await askRspamd(engine, raw, context, timeoutMs)
        : await askSpamd(engine, raw, timeoutMs);
    if (!reading.ok) return fail('protocol', reading.detail);
    return { status: 'ok', engine: engine.type, name, ...withoutOk(reading) };
  } catch (error) {
    if (error instanceof EngineTimeout)
      return fail('timeout', `no complete answer within ${engine.timeoutSeconds} s`);
    if (error instanceof EngineProtocolError) return fail('protocol', error.message);
    const code = (error as { code?: unknown })?.code;
    return fail(
      'network',
      `${typeof code === 'string' ? `${code}: ` : ''}${String((error as Error)?.message ?? error).slice(0, 200)}`,
    );
  }
}

function withoutOk(reading: Extract<EngineReading, { ok: true }>) {
  const { ok: _ok, ...rest } = reading;
  return rest;
}

class EngineTimeout extends Error {
  override readonly name = 'EngineTimeout';
}

class EngineProtocolError extends Error {
  override readonly name = 'EngineProtocolError';
}

/** rspamd: one HTTP POST. */
function askRspamd(
  engine: RspamdEngineConfig,
  raw: Uint8Array,
  context: EngineContext,
  timeoutMs: number,
): Promise<EngineReading> {
  const url = new URL(engine.url);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/checkv2';
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'message/rfc822',
    'Content-Length': String(raw.byteLength),
  };
  if (engine.password) headers.Password = engine.password;
  const put = (name: string, value: string | undefined) => {
    const clean = value === undefined ? '' : headerSafe(value);
    if (clean) headers[name] = clean;
  };
  put('IP', context.senderIp);
  put('Helo', context.helo);
  put('From', context.envelopeFrom);
  put('Queue-Id', context.queueId);
  const rcpt = (context.recipients ?? []).slice(0, MAX_RECIPIENT_HEADERS).map(headerSafe).filter(Boolean);
  if (rcpt.length > 0) headers.Rcpt = rcpt;

  return new Promise<EngineReading>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, { method: 'POST', headers });
    const timer = setTimeout(() => request.destroy(new EngineTimeout()), timeoutMs);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    request.on('error', (error) => finish(() => reject(error)));
    // A reply cut short (destroyed for time or size, or the engine hung up) ends in `close`
    // without `end`; the request's own error event carries the reason, this is the backstop.
    request.on('close', () => finish(() => reject(new Error('connection closed before the reply ended'))));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RSPAMD_REPLY) {
          request.destroy(new EngineProtocolError(`rspamd reply over ${MAX_RSPAMD_REPLY} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => finish(() => reject(error)));
      response.on('end', () =>
        finish(() => {
          if (response.statusCode !== 200) {
            resolve({ ok: false, detail: `rspamd answered HTTP ${response.statusCode}` });
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            resolve({ ok: false, detail: 'rspamd reply is not JSON' });
            return;
          }
          resolve(readRspamdResult(json));
        }),
      );
    });
    request.end(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  });
}

/** spamd: one TCP exchange; spamd closes the connection after its reply. */
function askSpamd(engine: SpamdEngineConfig, raw: Uint8Array, timeoutMs: number): Promise<EngineReading> {
  const head =
    'SYMBOLS SPAMC/1.5\r\n' +
    `Content-length: ${raw.byteLength}\r\n` +
    (engine.user ? `User: ${engine.user}\r\n` : '') +
    '\r\n';
  return new Promise<EngineReading>((resolve, reject) => {
    const socket = net.connect({ host: engine.host, port: engine.port });
    const timer = setTimeout(() => socket.destroy(new EngineTimeout()), timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    socket.on('connect', () => {
      socket.write(head, 'latin1');
      // Half-close after the message, as spamc does: spamd reads Content-length bytes.
      socket.end(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_SPAMD_REPLY) {
        socket.destroy(new EngineProtocolError(`spamd reply over ${MAX_SPAMD_REPLY} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    socket.on('error', (error) => settle(() => reject(error)));
    socket.on('close', () =>
      settle(() => resolve(readSpamdResponse(Buffer.concat(chunks).toString('latin1')))),
    );
  });
}

/** Envelope values go into request headers: one line of printable ASCII, bounded. */
function headerSafe(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 512);
}

export type { ExternalEngineOutcome, ExternalEngineType };
