import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LookupAll, SafeHttpClient } from '../../functions/adapters/safe-http.ts';
import { REFUSAL } from '../../functions/core/unsubscribe/refusal.ts';
import { hasOpenssl, selfSignedCertificate } from '../support/self-signed.ts';

/**
 * Real servers on 127.0.0.1 play the senders' unsubscribe endpoints. Loopback is allowed in
 * this file only (allowLoopback: true), as the local gateway's test config does.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  servername?: string | false | null;
}

const seen: Seen[] = [];
const hugeResponseClosedEarly: Array<Promise<boolean>> = [];
let server: http.Server;
let base = '';
let port = 0;

function routes(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const redirect = (location: string, status = 302): void => {
    res.writeHead(status, { Location: location }).end();
  };
  switch (true) {
    case url.pathname === '/ok':
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>You have been unsubscribed.</p>');
      return;
    case url.pathname.startsWith('/chain/'): {
      const left = Number(url.pathname.slice('/chain/'.length));
      redirect(left === 0 ? '/ok' : `/chain/${left - 1}`);
      return;
    }
    case url.pathname === '/loop':
      redirect('/loop', 301);
      return;
    case url.pathname === '/to-metadata':
      redirect('http://169.254.169.254/latest/meta-data/iam/security-credentials/');
      return;
    case url.pathname === '/to-metadata-integer':
      redirect('http://2852039166/latest/meta-data/');
      return;
    case url.pathname === '/to-private-name':
      redirect('http://intranet-wiki.example.com/');
      return;
    case url.pathname === '/set-cookie-then-echo':
      res.writeHead(302, { Location: '/echo', 'Set-Cookie': 'session=secret; Path=/' }).end();
      return;
    case url.pathname === '/echo':
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers));
      return;
    case url.pathname === '/slow':
      // Never answers: the client's time cap must end the exchange.
      return;
    case url.pathname === '/huge': {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      hugeResponseClosedEarly.push(
        new Promise((resolve) => res.on('close', () => resolve(sent < 50 * 1024 * 1024))),
      );
      const pump = (): void => {
        while (sent < 50 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    case url.pathname === '/one-click':
      // An RFC 8058 endpoint: a GET (a link scanner) must change nothing.
      if (
        req.method === 'POST' &&
        req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
        body === 'List-Unsubscribe=One-Click'
      ) {
        res.writeHead(200).end('unsubscribed');
      } else {
        res.writeHead(405, { Allow: 'POST' }).end();
      }
      return;
    case url.pathname === '/post-then-303':
      redirect('/echo-method', 303);
      return;
    case url.pathname === '/post-then-307':
      redirect('/one-click', 307);
      return;
    case url.pathname === '/echo-method':
      res.writeHead(200).end(`${req.method} ${body}`);
      return;
    default:
      res.writeHead(404).end();
  }
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const servername = (req.socket as Partial<TLSSocket>).servername;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, servername });
    routes(req, res, body);
  });
}

function listen(s: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

/** Test DNS: names the tests use, resolving where each test needs them to. */
const zone: Record<string, readonly string[]> = {
  'unsub.example.com': ['127.0.0.1'],
  'intranet-wiki.example.com': ['10.0.0.7'],
  'split.example.com': ['93.184.215.14', '192.168.1.20'],
  'metadata.example.com': ['169.254.169.254'],
  'split-public.example.com': ['93.184.215.14'],
};
const lookups: string[] = [];
const lookup: LookupAll = async (hostname) => {
  lookups.push(hostname);
  const addresses = zone[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const client = (overrides: ConstructorParameters<typeof SafeHttpClient>[0] = {}): SafeHttpClient =>
  new SafeHttpClient({ allowLoopback: true, lookup, timeoutMs: 3000, ...overrides });

beforeAll(async () => {
  server = http.createServer(handler);
  port = await listen(server);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('SafeHttpClient', () => {
  it('fetches a page and reports status, final URL and body', async () => {
    // Act
    const result = await client().request({ url: `${base}/ok`, method: 'GET' });

    // Assess
    expect(result).toMatchObject({
      outcome: 'response',
      status: 200,
      finalUrl: `${base}/ok`,
      redirects: [],
      contentType: 'text/html',
      bodyTruncated: false,
    });
    expect(result.outcome === 'response' && result.body.toString()).toBe(
      '<p>You have been unsubscribed.</p>',
    );
  });

  it('follows a redirect chain within the cap, checking every hop', async () => {
    const result = await client().request({ url: `${base}/chain/4`, method: 'GET' });
    expect(result).toMatchObject({ outcome: 'response', status: 200, finalUrl: `${base}/ok` });
    expect(result.redirects).toEqual([
      `${base}/chain/3`,
      `${base}/chain/2`,
      `${base}/chain/1`,
      `${base}/chain/0`,
      `${base}/ok`,
    ]);
  });

  it('refuses a redirect loop once the cap is reached', async () => {
    const result = await client().request({ url: `${base}/loop`, method: 'GET' });
    expect(result).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.TOO_MANY_REDIRECTS } });
    expect(result.redirects).toHaveLength(5);
  });

  it('refuses a redirect to the cloud metadata address, even with loopback allowed', async () => {
    // Prepare
    const before = seen.length;

    // Act
    const literal = await client().request({ url: `${base}/to-metadata`, method: 'GET' });
    const integer = await client().request({ url: `${base}/to-metadata-integer`, method: 'GET' });

    // Assess
    expect(literal).toMatchObject({
      outcome: 'refused',
      refusal: { code: REFUSAL.METADATA_ADDRESS },
      finalUrl: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    });
    expect(integer).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.METADATA_ADDRESS } });
    expect(seen.slice(before).map((s) => s.url)).toEqual(['/to-metadata', '/to-metadata-integer']);
  });

  it('refuses a name that resolves to a private address, on the first URL and on a redirect', async () => {
    const direct = await client().request({ url: 'http://intranet-wiki.example.com/', method: 'GET' });
    expect(direct).toMatchObject({
      outcome: 'refused',
      refusal: { code: REFUSAL.PRIVATE_ADDRESS, detail: 'intranet-wiki.example.com → 10.0.0.7' },
    });
    const redirected = await client().request({ url: `${base}/to-private-name`, method: 'GET' });
    expect(redirected).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.PRIVATE_ADDRESS } });
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    const result = await client().request({ url: 'https://split.example.com/u', method: 'GET' });
    expect(result).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.PRIVATE_ADDRESS } });
  });

  it('refuses a name resolving to the metadata address', async () => {
    const result = await client().request({ url: 'http://metadata.example.com/', method: 'GET' });
    expect(result).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.METADATA_ADDRESS } });
  });

  it('keeps the port allowlist for a name that resolves to a public address, even with loopback allowed', async () => {
    // Act
    const result = await client().request({ url: 'http://split-public.example.com:25/', method: 'GET' });

    // Assess
    expect(result).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.PORT_NOT_ALLOWED } });
  });

  it('refuses loopback targets without allowLoopback, as in production', async () => {
    const before = seen.length;
    const literal = await new SafeHttpClient({ lookup }).request({ url: `${base}/ok`, method: 'GET' });
    const named = await new SafeHttpClient({ lookup }).request({
      url: 'http://unsub.example.com/ok',
      method: 'GET',
    });
    expect(literal).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.LOOPBACK_ADDRESS } });
    expect(named).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.LOOPBACK_ADDRESS } });
    expect(seen.length).toBe(before);
  });

  it('connects to the vetted address and keeps the name in the Host header, resolving once per hop', async () => {
    // Prepare
    lookups.length = 0;
    const before = seen.length;

    // Act
    const result = await client().request({ url: `http://unsub.example.com:${port}/chain/1`, method: 'GET' });

    // Assess
    expect(result).toMatchObject({ outcome: 'response', status: 200 });
    expect(seen.slice(before).map((s) => s.headers.host)).toEqual([
      `unsub.example.com:${port}`,
      `unsub.example.com:${port}`,
      `unsub.example.com:${port}`,
    ]);
    expect(lookups).toEqual(['unsub.example.com', 'unsub.example.com', 'unsub.example.com']);
  });

  it('sends the RFC 8058 one-click POST that the endpoint requires, and a GET changes nothing', async () => {
    const get = await client().request({ url: `${base}/one-click`, method: 'GET' });
    const post = await client().request({ url: `${base}/one-click`, method: 'ONE_CLICK_POST' });
    expect(get).toMatchObject({ outcome: 'response', status: 405 });
    expect(post).toMatchObject({ outcome: 'response', status: 200 });
    expect(post.outcome === 'response' && post.body.toString()).toBe('unsubscribed');
  });

  it('turns the POST into a GET after a 303 and repeats it after a 307', async () => {
    const after303 = await client().request({ url: `${base}/post-then-303`, method: 'ONE_CLICK_POST' });
    const after307 = await client().request({ url: `${base}/post-then-307`, method: 'ONE_CLICK_POST' });
    expect(after303.outcome === 'response' && after303.body.toString()).toBe('GET ');
    expect(after307).toMatchObject({ outcome: 'response', status: 200 });
  });

  it('never sends cookies, credentials or a compressed-body request, and names itself', async () => {
    const result = await client().request({ url: `${base}/set-cookie-then-echo`, method: 'GET' });
    expect(result.outcome).toBe('response');
    const headers = JSON.parse(result.outcome === 'response' ? result.body.toString() : '{}') as Record<
      string,
      string
    >;
    expect(headers.cookie).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
    expect(headers['accept-encoding']).toBe('identity');
    expect(headers['user-agent']).toMatch(/^Graywall-Unsubscribe\//);
  });

  it('gives up on a server that does not answer within the time cap', async () => {
    const started = performance.now();
    const result = await client({ timeoutMs: 300 }).request({ url: `${base}/slow`, method: 'GET' });
    expect(result).toMatchObject({ outcome: 'timeout', finalUrl: `${base}/slow` });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('counts DNS in the time cap', async () => {
    const hanging: LookupAll = () => new Promise(() => {});
    const result = await client({ timeoutMs: 200, lookup: hanging }).request({
      url: 'https://never.example.com/',
      method: 'GET',
    });
    expect(result.outcome).toBe('timeout');
  });

  it('reads at most the body cap of a huge response and closes the connection', async () => {
    const result = await client().request({ url: `${base}/huge`, method: 'GET' });
    expect(result).toMatchObject({ outcome: 'response', status: 200, bodyTruncated: true });
    expect(result.outcome === 'response' && result.body.byteLength).toBe(64 * 1024);
    expect(await hugeResponseClosedEarly.at(-1)).toBe(true);
  });

  it('reports network errors and DNS failures as results', async () => {
    const closed = http.createServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const refused = await client().request({ url: `http://127.0.0.1:${closedPort}/`, method: 'GET' });
    expect(refused).toMatchObject({ outcome: 'network-error', code: 'ECONNREFUSED' });
    const unknown = await client().request({ url: 'https://no-such-name.example.com/', method: 'GET' });
    expect(unknown).toMatchObject({ outcome: 'network-error', code: 'ENOTFOUND' });
  });

  it('refuses URLs the URI checks refuse, before any network access', async () => {
    lookups.length = 0;
    for (const url of [
      'mailto:u@example.com',
      'file:///etc/passwd',
      'http://user:pw@example.com/',
      'http://db.internal/',
    ]) {
      const result = await client().request({ url, method: 'GET' });
      expect(result.outcome).toBe('refused');
    }
    expect(lookups).toEqual([]);
  });

  it('validates its limits instead of falling back on defaults', () => {
    expect(() => new SafeHttpClient({ maxRedirects: -1 })).toThrow(RangeError);
    expect(() => new SafeHttpClient({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new SafeHttpClient({ maxBodyBytes: 1.5 })).toThrow(RangeError);
    expect(() => new SafeHttpClient({ userAgent: 'a\r\nCookie: x' })).toThrow(RangeError);
  });
});

describe.skipIf(!hasOpenssl())('SafeHttpClient over TLS', () => {
  let tlsServer: https.Server;
  let tlsPort = 0;
  let cert = '';

  beforeAll(async () => {
    const made = selfSignedCertificate('unsub.example.com');
    cert = made.cert;
    tlsServer = https.createServer({ key: made.key, cert }, (req, res) => {
      if (req.url === '/downgrade') {
        res.writeHead(302, { Location: `http://unsub.example.com:${port}/ok` }).end();
        return;
      }
      handler(req, res);
    });
    tlsPort = await listen(tlsServer);
  });

  afterAll(async () => {
    tlsServer?.closeAllConnections();
    await new Promise((resolve) => tlsServer?.close(resolve));
  });

  it('sends the name as SNI and checks the certificate against the name, not the pinned address', async () => {
    const before = seen.length;
    const result = await client({ ca: cert }).request({
      url: `https://unsub.example.com:${tlsPort}/ok`,
      method: 'GET',
    });
    expect(result).toMatchObject({ outcome: 'response', status: 200 });
    expect(seen[before]?.servername).toBe('unsub.example.com');
  });

  it('fails on a certificate it cannot verify', async () => {
    const result = await client().request({ url: `https://unsub.example.com:${tlsPort}/ok`, method: 'GET' });
    expect(result.outcome).toBe('network-error');
  });

  it('refuses a redirect from https down to http', async () => {
    const result = await client({ ca: cert }).request({
      url: `https://unsub.example.com:${tlsPort}/downgrade`,
      method: 'GET',
    });
    expect(result).toMatchObject({ outcome: 'refused', refusal: { code: REFUSAL.REDIRECT_DOWNGRADE } });
  });
});
