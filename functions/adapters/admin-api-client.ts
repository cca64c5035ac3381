import { Sha256 } from '@aws-crypto/sha256-js';
import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AdminApiClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8787 or https://abc123.execute-api.eu-west-1.amazonaws.com */
  readonly baseUrl: string;
  /**
   * Sign requests with SigV4 (IAM-authorised API Gateway routes) using the default credential
   * chain; the region as a string, or a function asked when the first request is signed.
   */
  readonly sigv4?: { readonly region: string | (() => Promise<string>) };
  readonly fetch?: typeof fetch;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const message = (body as { message?: string })?.message ?? JSON.stringify(body);
    super(`API answered ${status}: ${message}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * The region of the AWS profile (\`region\` in ~/.aws/config, or in the profile AWS_PROFILE
 * names), through the SDK's own resolution: for an API behind a custom domain, whose URL
 * does not name its region.
 */
export async function profileRegion(): Promise<string> {
  try {
    return await new S3Client({}).config.region();
  } catch {
    throw new Error('--aws needs a region: pass --region, set AWS_REGION, or set region in your AWS profile');
  }
}

/** Calls the admin API the way the CLI and scripts do: JSON in, JSON out, errors as ApiError. */
export function createAdminApiClient(options: AdminApiClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const signer = options.sigv4
    ? new SignatureV4({
        service: 'execute-api',
        region: options.sigv4.region,
        credentials: fromNodeProviderChain(),
        sha256: Sha256,
      })
    : undefined;

  return async function call<T>(
    method: string,
    path: string,
    query: Record<string, string | undefined> = {},
    body?: unknown,
  ): Promise<T> {
    const url = new URL(path, options.baseUrl);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, value);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      host: url.host,
      accept: 'application/json',
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    };
    if (signer) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(payload === undefined ? {} : { body: payload }),
      });
      headers = signed.headers as Record<string, string>;
    }
    const { host: _host, ...sendHeaders } = headers;
    const response = await doFetch(url, {
      method,
      headers: sendHeaders,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { message: text.slice(0, 500) };
    }
    if (!response.ok) throw new ApiError(response.status, json);
    return json as T;
  };
}

export type AdminApiCall = ReturnType<typeof createAdminApiClient>;
