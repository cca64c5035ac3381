import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './self-signed.ts';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly contentType: string | undefined;
  readonly cookie: string | undefined;
}

export type Behaviour = (
  request: SeenRequest,
  count: number,
) => { status: number; headers?: Record<string, string>; body?: string };

/**
 * Real local HTTP(S) servers standing in for senders' unsubscribe endpoints: each path has a
 * behaviour (answer, fail, redirect...) and every request is recorded.
 */
export interface SenderEndpoints {
  readonly httpBase: string;
  readonly httpsBase: string;
  /** The self-signed certificate of the HTTPS server (trusted by the gateway in tests). */
  readonly ca: string;
  readonly seen: SeenRequest[];
  on(path: string, behaviour: Behaviour): void;
  requestsTo(path: string): SeenRequest[];
  stop(): Promise<void>;
}

export async function startSenderEndpoints(hostName: string): Promise<SenderEndpoints> {
  const { key, cert: ca } = selfSignedCertificate(hostName);
  const seen: SeenRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const counts = new Map<string, number>();
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0] as string;
      const seenRequest: SeenRequest = {
        method: request.method ?? '',
        path: request.url ?? '/',
        body,
        contentType: request.headers['content-type'],
        cookie: request.headers.cookie,
      };
      seen.push(seenRequest);
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      const behaviour = behaviours.get(path);
      const answer = behaviour ? behaviour(seenRequest, count) : { status: 404 };
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      response.end(answer.body ?? '');
    });
  };
  const http: Server = createServer(handle);
  const https = createHttpsServer({ key, cert: ca }, handle);
  await Promise.all([
    new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve())),
    new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve())),
  ]);
  return {
    httpBase: `http://${hostName}:${(http.address() as AddressInfo).port}`,
    httpsBase: `https://${hostName}:${(https.address() as AddressInfo).port}`,
    ca,
    seen,
    on: (path, behaviour) => void behaviours.set(path, behaviour),
    requestsTo: (path) => seen.filter((r) => r.path.split('?')[0] === path),
    stop: async () => {
      http.closeAllConnections();
      https.closeAllConnections();
      await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => https.close(r))]);
    },
  };
}
