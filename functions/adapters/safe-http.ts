import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress } from '../core/unsubscribe/ip-address.ts';
import { REFUSAL, type Refusal, refuse } from '../core/unsubscribe/refusal.ts';
import type {
  SafeHttpRequest,
  SafeHttpResult,
  UnsubscribeHttp,
} from '../core/unsubscribe/unsubscribe-http.ts';
import {
  checkRedirect,
  checkUnsubscribeUri,
  isWebPort,
  type WebTarget,
} from '../core/unsubscribe/uri-safety.ts';

export type {
  SafeHttpMethod,
  SafeHttpRequest,
  SafeHttpResult,
  UnsubscribeHttp,
} from '../core/unsubscribe/unsubscribe-http.ts';

/**
 * HTTP(S) requests to URLs taken from untrusted mail (DESIGN.md "Security"). Before every
 * connection, on the first URL and on every redirect: the URI checks of uri-safety.ts, then
 * DNS, then every resolved address through the classifier. The connection is then pinned to
 * the vetted addresses (no second resolution, so no DNS rebinding between check and connect),
 * while the Host header, SNI and certificate check keep using the name.
 *
 * Remote behaviour never throws: refusals, timeouts and network errors are results.
 */

export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to all its addresses (dns.lookup semantics: the OS resolver). */
export type LookupAll = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface SafeHttpOptions {
  /** DNS resolution; tests inject names that resolve to private or loopback addresses. */
  readonly lookup?: LookupAll;
  /** Local mode and tests only: allow loopback targets (still never metadata or private). */
  readonly allowLoopback?: boolean;
  /** The organisation's host blocklist (domain and subdomains). */
  readonly blockedHosts?: Iterable<string>;
  /** Redirects followed at most. Default 5. */
  readonly maxRedirects?: number;
  /** The whole exchange, DNS and every hop included. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Response body read at most; the connection is closed after that. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  readonly userAgent?: string;
  /** Extra trust anchors (tests with a self-signed certificate, a private CA). */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

export const DEFAULT_USER_AGENT =
  'Graywall-Unsubscribe/1.0 (unsubscribing on behalf of a recipient; RFC 8058; no cookies)';

const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

class Deadline extends Error {
  override readonly name = 'Deadline';
}

export class SafeHttpClient implements UnsubscribeHttp {
  private readonly lookup: LookupAll;
  private readonly allowLoopback: boolean;
  private readonly blockedHosts: readonly string[];
  private readonly maxRedirects: number;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly userAgent: string;
  private readonly ca: SafeHttpOptions['ca'];

  constructor(options: SafeHttpOptions = {}) {
    this.lookup = options.lookup ?? ((hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' }));
    this.allowLoopback = options.allowLoopback === true;
    this.blockedHosts = [...(options.blockedHosts ?? [])];
    this.maxRedirects = whole('maxRedirects', options.maxRedirects ?? 5, 0);
    this.timeoutMs = whole('timeoutMs', options.timeoutMs ?? 10_000, 1);
    this.maxBodyBytes = whole('maxBodyBytes', options.maxBodyBytes ?? 64 * 1024, 0);
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    if (/[\r\n]/.test(this.userAgent)) throw new RangeError('userAgent must be one line');
    this.ca = options.ca;
  }

  async request(request: SafeHttpRequest): Promise<SafeHttpResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Deadline('time limit reached')), this.timeoutMs);
    timer.unref();
    const redirects: string[] = [];
    let finalUrl = request.url;
    const base = (): Pick<SafeHttpResult, 'url' | 'finalUrl' | 'redirects'> => ({
      url: request.url,
      finalUrl,
      redirects: [...redirects],
    });
    try {
      const uriOptions = { allowLoopback: this.allowLoopback, blockedHosts: this.blockedHosts };
      const first = checkUnsubscribeUri(request.url, uriOptions);
      if (!first.ok) return { ...base(), outcome: 'refused', refusal: first.refusal };
      if (first.target.kind !== 'web') {
        return { ...base(), outcome: 'refused', refusal: refuse(REFUSAL.SCHEME_NOT_ALLOWED, request.url) };
      }
      let target: WebTarget = first.target;
      let method: 'GET' | 'POST' = request.method === 'ONE_CLICK_POST' ? 'POST' : 'GET';
      finalUrl = target.href;
      for (;;) {
        const addresses = await this.vetAddresses(target.host, controller.signal);
        if ('refusal' in addresses) return { ...base(), outcome: 'refused', refusal: addresses.refusal };
        // Loopback allowed (local mode) lifts the port allowlist for loopback servers only: a
        // name that resolves elsewhere keeps it (news.example.com:25 is no web page).
        const loopbackOnly = addresses.vetted.every((a) => isLoopbackAddress(a.address));
        if (!isWebPort(target.port) && !loopbackOnly) {
          return { ...base(), outcome: 'refused', refusal: refuse(REFUSAL.PORT_NOT_ALLOWED, target.href) };
        }
        const response = await this.send(target, method, addresses.vetted, controller.signal);
        const location = response.headers.location;
        if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || typeof location !== 'string') {
          const { body, truncated } = await this.readBody(response, controller.signal);
          return {
            ...base(),
            outcome: 'response',
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            body,
            bodyTruncated: truncated,
          };
        }
        response.destroy();
        const next = checkRedirect(target, location, uriOptions);
        const nextUrl = next.ok ? next.target.href : safeResolve(location, target.href);
        if (redirects.length >= this.maxRedirects) {
          return { ...base(), outcome: 'refused', refusal: refuse(REFUSAL.TOO_MANY_REDIRECTS, nextUrl) };
        }
        redirects.push(nextUrl);
        finalUrl = nextUrl;
        if (!next.ok) return { ...base(), outcome: 'refused', refusal: next.refusal };
        if (next.target.kind !== 'web') throw new Error('unreachable: checkRedirect only admits web targets');
        target = next.target;
        // RFC 9110 §15.4: 303 always, and 301/302 after a POST in practice, continue as GET;
        // 307 and 308 repeat the request as it was.
        const status = response.statusCode ?? 0;
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) method = 'GET';
      }
    } catch (error) {
      if (controller.signal.aborted) return { ...base(), outcome: 'timeout' };
      const e = error as NodeJS.ErrnoException;
      return {
        ...base(),
        outcome: 'network-error',
        code: typeof e?.code === 'string' ? e.code : 'ERROR',
        message: String(e?.message ?? error).slice(0, 300),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Every address the name resolves to must pass: a name that resolves to one public and one
   * private address is an attack, not a choice to make for the sender.
   */
  private async vetAddresses(
    host: string,
    signal: AbortSignal,
  ): Promise<{ vetted: LookupAddress[] } | { refusal: Refusal }> {
    const family = isIP(host);
    const resolved: readonly LookupAddress[] =
      family !== 0 ? [{ address: host, family }] : await raceAbort(this.lookup(host), signal);
    if (resolved.length === 0) {
      throw Object.assign(new Error(`${host} has no addresses`), { code: 'ENODATA' });
    }
    for (const entry of resolved) {
      const check = classifyAddress(entry.address, { allowLoopback: this.allowLoopback });
      if (!check.ok) return { refusal: refuse(check.refusal.code, `${host} → ${entry.address}`) };
    }
    return { vetted: resolved.map((entry) => ({ address: entry.address, family: isIP(entry.address) })) };
  }

  private send(
    target: WebTarget,
    method: 'GET' | 'POST',
    addresses: readonly LookupAddress[],
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(target.href);
    const body = method === 'POST' ? Buffer.from(ONE_CLICK_BODY, 'ascii') : undefined;
    const headers: Record<string, string> = {
      'User-Agent': this.userAgent,
      Accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
      // Identity: the size cap then applies to what the server sends, and no decompression bomb.
      'Accept-Encoding': 'identity',
      Connection: 'close',
    };
    if (body) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(body.byteLength);
    }
    const options: https.RequestOptions = {
      method,
      protocol: url.protocol,
      hostname: target.host,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      headers,
      // A fresh agent per request: no pooled connection to another host, and no proxy taken
      // from the environment.
      agent: false,
      lookup: pinnedLookup(target.host, addresses),
      signal,
      maxHeaderSize: 16 * 1024,
    };
    if (url.protocol === 'https:') {
      // SNI carries names only (RFC 6066 §3); the certificate is checked against the name.
      if (isIP(target.host) === 0) options.servername = target.host;
      if (this.ca !== undefined) options.ca = this.ca as https.RequestOptions['ca'];
    }
    return new Promise((resolve, reject) => {
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(options, resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  private readBody(
    response: IncomingMessage,
    signal: AbortSignal,
  ): Promise<{ body: Buffer; truncated: boolean }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (truncated: boolean): void => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ body: Buffer.concat(chunks, size), truncated });
      };
      const onAbort = (): void => {
        if (done) return;
        done = true;
        response.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      response.on('data', (chunk: Buffer) => {
        if (done) return;
        const room = this.maxBodyBytes - size;
        if (chunk.byteLength <= room) {
          chunks.push(chunk);
          size += chunk.byteLength;
          return;
        }
        chunks.push(chunk.subarray(0, room));
        size += room;
        finish(true);
        // Enough read: close the connection rather than drain the rest.
        response.destroy();
      });
      response.on('end', () => finish(false));
      response.on('error', (error) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        reject(error);
      });
      response.on('close', () => {
        if (!done && !response.complete) {
          done = true;
          signal.removeEventListener('abort', onAbort);
          reject(
            Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }),
          );
        }
      });
    });
  }
}

/**
 * A `lookup` for net.connect that answers only with addresses already vetted, for the one
 * name they were vetted for. Node asks with `all: true` when it races address families
 * (autoSelectFamily), and for one address otherwise.
 */
function pinnedLookup(host: string, addresses: readonly LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const wanted = typeof options === 'object' && options !== null ? options : {};
    const family = wanted.family === 4 || wanted.family === 6 ? wanted.family : 0;
    const matching = addresses.filter((entry) => family === 0 || entry.family === family);
    const first = matching[0];
    if (hostname !== host || first === undefined) {
      const error = Object.assign(new Error(`no vetted address for ${hostname}`), { code: 'ENOTFOUND' });
      callback(error, '', 0);
      return;
    }
    if (wanted.all === true) {
      (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, [...matching]);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function safeResolve(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location.slice(0, 300);
  }
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

function isLoopbackAddress(address: string): boolean {
  const check = classifyAddress(address);
  return !check.ok && check.refusal.code === REFUSAL.LOOPBACK_ADDRESS;
}
