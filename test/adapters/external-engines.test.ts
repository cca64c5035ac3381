import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  scanWithExternalEngine,
  scanWithExternalEngines,
} from '../../functions/adapters/external-engines.ts';
import { externalEngineReason } from '../../functions/core/multiscan/engine-reasons.ts';
import {
  type ExternalEngineConfig,
  externalEngineSchema,
} from '../../functions/core/multiscan/external-engines-config.ts';

const MESSAGE = Buffer.from('From: a@sender.example\r\nSubject: Cheap meds\r\n\r\nBuy now\r\n');
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

interface SeenRequest {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A tiny rspamd normal worker: POST /checkv2 answers with `reply(body)`. */
async function fakeRspamd(
  reply: (request: SeenRequest, res: http.ServerResponse) => void,
): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      reply(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A tiny spamd: reads the SPAMC request (headers + Content-length bytes), answers with `reply`. */
async function fakeSpamd(
  reply: (command: string, body: string, socket: net.Socket) => void,
): Promise<number> {
  // Half-open: spamc half-closes after the message, and a silent engine must stay silent.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/Content-length: (\d+)/i.exec(head)?.[1] ?? -1);
      const body = buffered.subarray(end + 4);
      if (body.length < length) return;
      reply(head, body.toString('latin1'), socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  server.unref();
  return (server.address() as AddressInfo).port;
}

const rspamdAt = (url: string, extra: Record<string, unknown> = {}): ExternalEngineConfig =>
  externalEngineSchema.parse({ type: 'rspamd', url, name: 'rspamd', ...extra });
const spamdAt = (port: number, extra: Record<string, unknown> = {}): ExternalEngineConfig =>
  externalEngineSchema.parse({ type: 'spamd', host: '127.0.0.1', port, name: 'spamd', ...extra });

describe('rspamd over HTTP (/checkv2)', () => {
  it('posts the raw message with the envelope headers and maps the JSON verdict', async () => {
    const rspamd = await fakeRspamd((_, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          is_skipped: false,
          score: 16.2,
          required_score: 15,
          action: 'reject',
          symbols: {
            BAYES_SPAM: { name: 'BAYES_SPAM', score: 5.1, metric_score: 5.1 },
            R_SPF_FAIL: { name: 'R_SPF_FAIL', score: 1 },
            MISSING_DATE: { name: 'MISSING_DATE', score: 1 },
            RBL_SPAMHAUS_XBL: { name: 'RBL_SPAMHAUS_XBL', score: 4 },
          },
        }),
      );
    });
    const outcome = await scanWithExternalEngine(rspamdAt(rspamd.url, { password: 's3cret' }), MESSAGE, {
      senderIp: '198.51.100.7',
      helo: 'mail.sender.example',
      envelopeFrom: 'a@sender.example',
      recipients: ['alice@corp.example', 'bob@corp.example'],
      queueId: 'ses-123',
    });
    const [seen] = rspamd.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/checkv2');
    expect(seen?.body).toBe(MESSAGE.toString());
    expect(seen?.headers).toMatchObject({
      ip: '198.51.100.7',
      helo: 'mail.sender.example',
      from: 'a@sender.example',
      rcpt: 'alice@corp.example, bob@corp.example',
      'queue-id': 'ses-123',
      password: 's3cret',
    });
    expect(outcome).toMatchObject({
      status: 'ok',
      isSpam: true,
      score: 16.2,
      required: 15,
      action: 'reject',
    });
    const reason = externalEngineReason(outcome);
    expect(reason).toMatchObject({ id: 'RSPAMD_SPAM', group: 'engine', score: 48.6 });
    expect(reason.evidence).toBe(
      '16.2/15 reject: BAYES_SPAM(5.1) RBL_SPAMHAUS_XBL(4) R_SPF_FAIL(1) MISSING_DATE(1)',
    );
  });

  it('maps a clean verdict to a small contribution', async () => {
    const rspamd = await fakeRspamd((_, res) =>
      res.end(JSON.stringify({ score: -1.5, required_score: 15, action: 'no action', symbols: {} })),
    );
    const reason = externalEngineReason(await scanWithExternalEngine(rspamdAt(rspamd.url), MESSAGE));
    expect(reason).toMatchObject({ id: 'RSPAMD_HAM', score: -4.5 });
  });

  it('turns garbage, HTTP errors and skipped messages into EXTERNAL_ENGINE_ERROR with score 0', async () => {
    const replies: Array<(res: http.ServerResponse) => void> = [
      (res) => res.end('<html>not json</html>'),
      (res) => res.end(JSON.stringify({ hello: 'world' })),
      (res) =>
        res.end(JSON.stringify({ is_skipped: true, score: 0, required_score: 15, action: 'no action' })),
      (res) => {
        res.statusCode = 503;
        res.end('busy');
      },
    ];
    const details: string[] = [];
    for (const reply of replies) {
      const rspamd = await fakeRspamd((_, res) => reply(res));
      const outcome = await scanWithExternalEngine(rspamdAt(rspamd.url), MESSAGE);
      const reason = externalEngineReason(outcome);
      expect(reason.id).toBe('EXTERNAL_ENGINE_ERROR');
      expect(reason.score).toBe(0);
      details.push(reason.evidence ?? '');
    }
    expect(details).toEqual([
      'rspamd reply is not JSON',
      'rspamd reply lacks score, required_score or action',
      'rspamd skipped the message',
      'rspamd answered HTTP 503',
    ]);
  });

  it('gives up at the time limit on an engine that never answers', async () => {
    const rspamd = await fakeRspamd(() => {});
    const started = Date.now();
    const outcome = await scanWithExternalEngine(rspamdAt(rspamd.url, { timeoutSeconds: 1 }), MESSAGE);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(outcome).toMatchObject({ status: 'error', error: 'timeout' });
    expect(externalEngineReason(outcome)).toMatchObject({ id: 'EXTERNAL_ENGINE_ERROR', score: 0 });
  });

  it('never sends a message over the size cap, and reports an engine that is down', async () => {
    const big = await scanWithExternalEngine(
      rspamdAt('http://127.0.0.1:9', { maxMessageBytes: 1024 }),
      Buffer.alloc(2048, 0x61),
    );
    expect(big).toMatchObject({ status: 'error', error: 'too-large' });
    const closed = await fakeRspamd(() => {});
    for (const server of servers.splice(0)) server.close();
    const down = await scanWithExternalEngine(rspamdAt(closed.url), MESSAGE);
    expect(down).toMatchObject({ status: 'error', error: 'network' });
  });
});

describe('SpamAssassin spamd over TCP (SPAMC/1.5)', () => {
  it('sends SYMBOLS with Content-length and reads Spam: True ; 7.5 / 5.0 and the rule names', async () => {
    const seen: Array<{ command: string; body: string }> = [];
    const port = await fakeSpamd((command, body, socket) => {
      seen.push({ command, body });
      const symbols = 'BAYES_99,HTML_MESSAGE,URIBL_BLACK';
      socket.end(
        `SPAMD/1.1 0 EX_OK\r\nContent-length: ${symbols.length}\r\nSpam: True ; 7.5 / 5.0\r\n\r\n${symbols}`,
      );
    });
    const outcome = await scanWithExternalEngine(spamdAt(port, { user: 'graywall' }), MESSAGE);
    expect(seen[0]?.command).toBe(`SYMBOLS SPAMC/1.5\r\nContent-length: ${MESSAGE.length}\r\nUser: graywall`);
    expect(seen[0]?.body).toBe(MESSAGE.toString());
    expect(outcome).toMatchObject({ status: 'ok', engine: 'spamd', isSpam: true, score: 7.5, required: 5 });
    expect(externalEngineReason(outcome)).toMatchObject({
      id: 'SPAMD_SPAM',
      score: 67.5,
      evidence: '7.5/5: BAYES_99 HTML_MESSAGE URIBL_BLACK',
    });
  });

  it('maps a ham verdict, with weight applied', async () => {
    const port = await fakeSpamd((_c, _b, socket) =>
      socket.end('SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\nSpam: False ; 1.0 / 5.0\r\n\r\n'),
    );
    const outcome = await scanWithExternalEngine(spamdAt(port), MESSAGE);
    expect(externalEngineReason(outcome, 0.5)).toMatchObject({ id: 'SPAMD_HAM', score: 4.5 });
  });

  it('turns refusals, garbage and silence into EXTERNAL_ENGINE_ERROR', async () => {
    const refused = await fakeSpamd((_c, _b, socket) =>
      socket.end('SPAMD/1.0 76 Bad header line: (Content-length)\r\n\r\n'),
    );
    expect(await scanWithExternalEngine(spamdAt(refused), MESSAGE)).toMatchObject({
      error: 'protocol',
      detail: 'spamd refused: 76 Bad header line: (Content-length)',
    });
    const garbage = await fakeSpamd((_c, _b, socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(await scanWithExternalEngine(spamdAt(garbage), MESSAGE)).toMatchObject({ error: 'protocol' });
    const noVerdict = await fakeSpamd((_c, _b, socket) =>
      socket.end('SPAMD/1.1 0 EX_OK\r\nSpam: maybe\r\n\r\n'),
    );
    expect(await scanWithExternalEngine(spamdAt(noVerdict), MESSAGE)).toMatchObject({
      error: 'protocol',
      detail: 'spamd reply has no valid Spam header',
    });
    const silent = await fakeSpamd(() => {});
    const outcome = await scanWithExternalEngine(spamdAt(silent, { timeoutSeconds: 1 }), MESSAGE);
    expect(outcome).toMatchObject({ status: 'error', error: 'timeout' });
  });

  it('cuts off an engine that floods its reply', async () => {
    const port = await fakeSpamd((_c, _b, socket) => {
      socket.write('SPAMD/1.1 0 EX_OK\r\nSpam: True ; 9 / 5\r\n\r\n');
      socket.end(Buffer.alloc(1024 * 1024, 0x41));
    });
    expect(await scanWithExternalEngine(spamdAt(port), MESSAGE)).toMatchObject({
      status: 'error',
      error: 'protocol',
    });
  });
});

describe('scanWithExternalEngines', () => {
  it('asks every engine at once and keeps config order, failures included', async () => {
    const rspamd = await fakeRspamd((request, res) =>
      res.end(
        JSON.stringify({
          score: request.body.includes(GTUBE) ? 1000 : 0,
          required_score: 15,
          action: request.body.includes(GTUBE) ? 'reject' : 'no action',
          symbols: { GTUBE: { name: 'GTUBE', score: 0 } },
        }),
      ),
    );
    const spamd = await fakeSpamd((_c, _b, socket) =>
      socket.end('SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1000.0 / 5.0\r\n\r\nGTUBE'),
    );
    const outcomes = await scanWithExternalEngines(
      [rspamdAt(rspamd.url), spamdAt(spamd), rspamdAt('http://127.0.0.1:9')],
      Buffer.from(`Subject: test\r\n\r\n${GTUBE}\r\n`),
    );
    expect(outcomes.map((o) => externalEngineReason(o)).map((r) => [r.id, r.score])).toEqual([
      ['RSPAMD_SPAM', 90],
      ['SPAMD_SPAM', 90],
      ['EXTERNAL_ENGINE_ERROR', 0],
    ]);
  });
});
