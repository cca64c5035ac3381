import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { PipelineDeps } from '../../functions/app/stage-deps.ts';
import { createAdminApiHandler } from '../../functions/handlers/admin-api.ts';
import { matchAdminRoute } from '../../functions/handlers/admin-routes.ts';
import { memoryLogger, testConfig } from '../support/gateway-harness.ts';

function event(
  method: string,
  path: string,
  query?: Record<string, string>,
): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    rawPath: path,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      requestId: 'req-1',
      http: { method },
      authorizer: { iam: { userArn: 'arn:aws:iam::1:user/admin' } },
    },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/**
 * A store that fails the way an outage would. The emulators cannot be made to fail with an
 * internal error on demand, so this one fault is a hand-written fake.
 */
function brokenDeps(): { deps: PipelineDeps; lines: Array<Record<string, unknown>> } {
  const { log, lines } = memoryLogger();
  const failing = () =>
    Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:443 table graywall-secret-internal'));
  const deps = {
    config: testConfig(),
    log,
    clock: { now: () => new Date('2026-11-25T12:00:00Z') },
    tracking: { get: failing, search: failing },
    quarantine: { list: failing, listForMessage: failing },
  } as unknown as PipelineDeps;
  return { deps, lines };
}

const context = { awsRequestId: 'aws-req' } as Context;

describe('admin API handler', () => {
  it('maps every route in the table and nothing else', () => {
    expect(matchAdminRoute('POST', '/admin/quarantine/abc/release')).toEqual({
      name: 'releaseQuarantined',
      params: { messageId: 'abc' },
    });
    expect(matchAdminRoute('GET', '/admin/messages/a%2Fb')).toEqual({
      name: 'getMessage',
      params: { messageId: 'a/b' },
    });
    expect(matchAdminRoute('GET', '/admin/quarantine/abc/release')).toBeUndefined();
  });

  it('answers 404 for unknown paths and 405 for a known path with the wrong method', async () => {
    const handler = createAdminApiHandler(() => brokenDeps().deps);
    expect((await handler(event('GET', '/admin/nothing'), context)).statusCode).toBe(404);
    expect((await handler(event('PUT', '/admin/quarantine'), context)).statusCode).toBe(405);
    // A malformed percent-encoding in an id is a 404, not a 500.
    expect((await handler(event('GET', '/admin/quarantine/%E0%A4%A'), context)).statusCode).toBe(404);
  });

  it('answers 400 with the reason for bad query parameters', async () => {
    const handler = createAdminApiHandler(() => brokenDeps().deps);
    const response = await handler(event('GET', '/admin/quarantine', { limit: '100000' }), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      error: 'bad_request',
      message: 'limit must be a whole number from 1 to 500',
    });
  });

  it('hides internals behind a 500 that names only the request id, and logs the cause', async () => {
    const { deps, lines } = brokenDeps();
    const handler = createAdminApiHandler(() => deps);
    const response = await handler(event('GET', '/admin/messages/abc'), context);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(response.body).not.toContain('10.0.0.7');
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      error: 'internal_error',
      message: 'internal error; request id req-1',
    });
    expect(lines.find((l) => l.message === 'unhandled error in API request')).toMatchObject({
      requestId: 'req-1',
    });
  });
});

describe('digest send through the admin API in AWS', () => {
  it('hands the run to the digest function and answers 202 at once (a run can outlast the API)', async () => {
    const { deps } = brokenDeps();
    const started: string[] = [];
    const handler = createAdminApiHandler(
      () =>
        ({
          ...deps,
          digestTrigger: {
            start: async (requestedBy: string) => {
              started.push(requestedBy);
              return { detail: 'the digest function (graywall-digest) sends them in the background' };
            },
          },
        }) as PipelineDeps,
    );
    const response = await handler(event('POST', '/admin/digests'), context);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      started: true,
      detail: 'the digest function (graywall-digest) sends them in the background',
    });
    expect(started).toEqual(['arn:aws:iam::1:user/admin']);
  });
});
