import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithIAMAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { StaticSigningKeys } from '../../functions/adapters/signing-keys.ts';
import type { PipelineDeps } from '../../functions/app/stage-deps.ts';
import { TOKEN_PURPOSE, verifyUnsubscribeToken } from '../../functions/core/unsubscribe/unsubscribe-token.ts';
import { createAdminApiHandler } from '../../functions/handlers/admin-api.ts';
import { createAdminUiHandler } from '../../functions/handlers/admin-ui.ts';
import { memoryLogger, testConfig } from '../support/gateway-harness.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const ROLE = 'arn:aws:sts::123456789012:assumed-role/GraywallAdmins/alice';
const context = { awsRequestId: 'aws-req' } as Context;

/** Just what the session and the pages reach before any store: config, clock, keys, log. */
function fakeDeps(overrides: Partial<Record<keyof PipelineDeps, unknown>> = {}) {
  const { log, lines } = memoryLogger();
  const asked: unknown[][] = [];
  const deps = {
    config: testConfig(),
    log,
    clock: { now: () => NOW },
    keys: new StaticSigningKeys(['k'.repeat(48)]),
    publicBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    quarantine: {
      get: async (...args: unknown[]) => {
        asked.push(args);
        return undefined;
      },
    },
    reports: {
      read: () =>
        Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:443 table graywall-secret-internal')),
    },
    ...overrides,
  } as unknown as PipelineDeps;
  return { deps, lines, asked };
}

function adminEvent(body?: unknown): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    rawPath: '/admin/ui-session',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: { requestId: 'req-1', http: { method: 'POST' }, authorizer: { iam: { userArn: ROLE } } },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

function pageEvent(method: string, path: string, body?: string): APIGatewayProxyEventV2 {
  return {
    rawPath: path,
    // API Gateway hands form posts on base64-encoded.
    ...(body === undefined ? {} : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }),
    requestContext: { requestId: 'req-2', http: { method } },
  } as unknown as APIGatewayProxyEventV2;
}

async function sessionToken(deps: PipelineDeps, body?: unknown): Promise<string> {
  const response = await createAdminApiHandler(() => deps)(adminEvent(body), context);
  const url = (JSON.parse(response.body ?? '{}') as { url: string }).url;
  return url.slice(url.lastIndexOf('/') + 1);
}

describe('POST /admin/ui-session', () => {
  it('signs a one-hour link to the admin web page for the verified IAM caller', async () => {
    const { deps, lines } = fakeDeps();
    const response = await createAdminApiHandler(() => deps)(adminEvent(), context);
    expect(response.statusCode).toBe(200);
    const session = JSON.parse(response.body ?? '{}') as {
      url: string;
      principal: string;
      expiresAt: string;
    };
    expect(session).toMatchObject({ principal: ROLE, expiresAt: '2026-11-25T13:00:00.000Z' });
    expect(session.url).toMatch(
      /^https:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/ui\/[A-Za-z0-9_.-]+$/,
    );
    const token = session.url.slice(session.url.lastIndexOf('/') + 1);
    const verified = verifyUnsubscribeToken(
      token,
      await deps.keys.all(),
      NOW.getTime() / 1000,
      TOKEN_PURPOSE.adminUi,
    );
    expect(verified).toMatchObject({ ok: true, claims: { recipient: ROLE } });
    // The log names the session, never the token.
    const issued = lines.find((line) => line.message === 'admin web page session issued');
    expect(issued).toMatchObject({ principal: ROLE });
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('takes another lifetime within 5 minutes and 12 hours, and refuses anything else', async () => {
    const { deps } = fakeDeps();
    const handler = createAdminApiHandler(() => deps);
    const ok = await handler(adminEvent({ minutes: 720 }), context);
    expect(JSON.parse(ok.body ?? '{}').expiresAt).toBe('2026-11-26T00:00:00.000Z');
    for (const minutes of [4, 721, 1.5, '60']) {
      const refused = await handler(adminEvent({ minutes }), context);
      expect(refused.statusCode).toBe(400);
    }
  });
});

describe('the admin web page handler', () => {
  it('serves every page with the strict policy: no script, nothing loaded, not framed, no referrer', async () => {
    const { deps } = fakeDeps();
    const response = await createAdminUiHandler(() => deps)(pageEvent('GET', '/ui/forged.token.x'), context);
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
  });

  it('reads the recipient from a base64-encoded form post and looks up only that item', async () => {
    const { deps, asked } = fakeDeps();
    const token = await sessionToken(deps);
    const handler = createAdminUiHandler(() => deps);
    const release = await handler(
      pageEvent('POST', `/ui/${token}/release/abc123`, 'recipient=Dana%40Example.com'),
      context,
    );
    expect(release.statusCode).toBe(404);
    expect(asked).toEqual([['abc123', 'dana@example.com']]);
    const incomplete = await handler(pageEvent('POST', `/ui/${token}/release/abc123`), context);
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.body).toContain('The release form did not name a recipient.');
  });

  it('answers unknown pages with a 404 page, and hides internals behind a 500 page that names the request', async () => {
    const { deps, lines } = fakeDeps();
    const token = await sessionToken(deps);
    const handler = createAdminUiHandler(() => deps);
    expect((await handler(pageEvent('GET', `/ui/${token}/admin`), context)).statusCode).toBe(404);
    const failed = await handler(pageEvent('GET', `/ui/${token}`), context);
    expect(failed.statusCode).toBe(500);
    expect(failed.body).toContain('reference req-2');
    expect(failed.body).not.toContain('10.0.0.7');
    expect(lines.some((line) => line.message === 'admin web page failed' && line.route === 'overview')).toBe(
      true,
    );
    // The route name is logged, never the path with its token.
    expect(JSON.stringify(lines)).not.toContain(token);
  });
});
