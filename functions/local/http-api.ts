import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { Logger } from '../app/ports.ts';
import { localLambdaContext } from './lambda-context.ts';

export type ApiHandler = (
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalHttpApi {
  readonly url: string;
  stop(): Promise<void>;
}

/** The principal local admin calls are recorded under (AWS records the caller's IAM ARN). */
export const LOCAL_ADMIN_PRINCIPAL = 'arn:aws:iam::000000000000:user/local-admin';

/** As in AWS: API Gateway passes up to 10 MB, but a synchronously invoked Lambda takes at most 6 MB. */
const MAX_BODY = 6 * 1024 * 1024;

/**
 * Plays API Gateway (HTTP API, payload format 2.0) on 127.0.0.1: turns each request into the
 * event API Gateway would send and returns the handler's result. Admin routes get the IAM
 * authorizer context API Gateway adds after SigV4 verification; locally the caller is the
 * machine's own user (the server listens on loopback only).
 */
export async function startLocalHttpApi(options: {
  port: number;
  adminHandler: ApiHandler;
  /** The public pages under /u/ and /q/ (no authorizer context). */
  publicHandler: (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  /** The admin web page under /ui/ (no authorizer context: the session token is the credential). */
  uiHandler?: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  log: Logger;
}): Promise<LocalHttpApi> {
  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      options.log.error('local API failed', { error });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'internal_error' }));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = refuseForeign(request);
    if (refusal) {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'forbidden', message: refusal }));
      return;
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        response.writeHead(413, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'payload_too_large' }));
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const isAdmin = url.pathname.startsWith('/admin/');
    const isUi = url.pathname.startsWith('/ui/') && options.uiHandler !== undefined;
    if (!isAdmin && !isUi && !url.pathname.startsWith('/u/') && !url.pathname.startsWith('/q/')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'not_found', message: `no route ${url.pathname}` }));
      return;
    }
    const event = toEvent(request, url, Buffer.concat(chunks));
    // The admin web page runs in a function of its own, as in AWS.
    const [pages, pagesFunction] =
      isUi && options.uiHandler
        ? [options.uiHandler, 'graywall-admin-ui']
        : [options.publicHandler, 'graywall-public-pages'];
    const result = isAdmin
      ? await options.adminHandler(event, localLambdaContext('graywall-admin-api', 30_000))
      : await pages(withoutAuthorizer(event), localLambdaContext(pagesFunction, 30_000));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
    response.writeHead(result.statusCode ?? 200, headers);
    response.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Public routes carry no IAM identity (API Gateway adds none without an authorizer). */
function withoutAuthorizer(event: APIGatewayProxyEventV2WithIAMAuthorizer): APIGatewayProxyEventV2 {
  const { authorizer: _authorizer, ...requestContext } = event.requestContext;
  return { ...event, requestContext } as APIGatewayProxyEventV2;
}

function toEvent(request: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2WithIAMAuthorizer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] ? `${query[name]},${value}` : value;
  const method = request.method ?? 'GET';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: 'LOCAL',
          accountId: '000000000000',
          callerId: 'local-admin',
          cognitoIdentity: null as never,
          principalOrgId: null as never,
          userArn: LOCAL_ADMIN_PRINCIPAL,
          userId: 'local-admin',
        },
      },
    },
  } as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/**
 * In AWS the admin API takes only SigV4-signed requests. Locally the caller is anyone who can
 * reach 127.0.0.1, and that includes web pages in the admin's own browser: a page on another
 * site can POST to a loopback port (no CORS preflight for a text/plain body), and a DNS
 * rebinding page can even read the answers under a name of its own. So: the Host must be
 * the loopback address or localhost (defeats rebinding), and an admin route refuses any
 * request a browser marks as coming from another origin (Origin, Sec-Fetch-Site). The CLI
 * sends neither header. The public pages' forms post to their own origin and pass.
 */
function refuseForeign(request: IncomingMessage): string | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname ?? '')) return `unexpected Host "${host}"`;
  // The path as routing reads it (dot segments resolved): `/u/../admin/…` is an admin request.
  if (!new URL(request.url ?? '/', 'http://127.0.0.1').pathname.startsWith('/admin/')) return undefined;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return 'cross-origin request to the admin API';
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return 'cross-site request to the admin API';
  return undefined;
}
