import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createAdminApiClient, profileRegion } from '../../functions/adapters/admin-api-client.ts';
import { regionOfApiUrl } from '../../functions/cli/run-cli.ts';

let seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
let baseUrl: string;
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    const status = request.url?.startsWith('/admin/missing') ? 404 : 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(status === 200 ? { ok: true } : { error: 'not_found', message: 'no message missing' }),
    );
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('admin API client', () => {
  it('signs requests with SigV4 for execute-api when asked, credentials from the AWS chain', async () => {
    seen = [];
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const call = createAdminApiClient({ baseUrl, sigv4: { region: 'eu-west-1' } });
    await call(
      'POST',
      '/admin/quarantine/abc/release',
      { dryRun: undefined },
      { recipients: ['a@example.com'] },
    );
    const [request] = seen;
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.headers['x-amz-content-sha256'] ?? 'unsigned-payload-not-required').toBeTruthy();
    expect(JSON.parse(request?.body ?? '{}')).toEqual({ recipients: ['a@example.com'] });
  });

  it('sends no signature to the local gateway and turns error answers into ApiError', async () => {
    seen = [];
    const call = createAdminApiClient({ baseUrl });
    await call('GET', '/admin/quarantine', { recipient: 'a@example.com', since: undefined });
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(seen[0]?.url).toBe('/admin/quarantine?recipient=a%40example.com');
    await expect(call('GET', '/admin/missing')).rejects.toEqual(
      expect.objectContaining({ status: 404, message: 'API answered 404: no message missing' }),
    );
    await expect(call('GET', '/admin/missing')).rejects.toBeInstanceOf(ApiError);
  });

  it('finds the region of an API Gateway URL, so the stack output AdminApiUrl is enough', () => {
    expect(regionOfApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/')).toBe('eu-west-1');
    expect(regionOfApiUrl('https://x9.execute-api.cn-northwest-1.amazonaws.com.cn')).toBe('cn-northwest-1');
    expect(regionOfApiUrl('https://x9.execute-api.us-gov-west-1.amazonaws.com/prod')).toBe('us-gov-west-1');
    expect(regionOfApiUrl('https://x9.execute-api.eu-north-1.amazonaws.com./')).toBe('eu-north-1');
    expect(regionOfApiUrl('https://admin.mail.example.com/')).toBeUndefined();
    expect(regionOfApiUrl('not a url')).toBeUndefined();
  });

  it("otherwise reads the AWS profile's region, and says how to give one when there is none", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graywall-awscfg-'));
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
      writeFileSync(
        process.env.AWS_CONFIG_FILE,
        '[default]\nregion = eu-west-3\n[profile ops]\nregion = ap-south-1\n',
      );
      expect(await profileRegion()).toBe('eu-west-3');
      process.env.AWS_PROFILE = 'ops';
      expect(await profileRegion()).toBe('ap-south-1');
      process.env.AWS_CONFIG_FILE = join(dir, 'missing');
      await expect(profileRegion()).rejects.toThrow(
        /pass --region, set AWS_REGION, or set region in your AWS profile/,
      );
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
