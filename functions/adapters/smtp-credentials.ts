import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/errors.ts';
import type { SmtpCredentials, SmtpCredentialsSource } from './smtp-transport.ts';

/** Reads `{"username": "...", "password": "..."}`, the value the delivery.auth secret holds. */
export function parseSmtpSecret(text: string, secretId: string): SmtpCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(
      `secret ${secretId} is not JSON: it must be {"username": "...", "password": "..."}`,
    );
  }
  const { username, password } = (value ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
    throw new ConfigError(
      `secret ${secretId} must hold {"username": "...", "password": "..."} with both non-empty`,
    );
  }
  return { username, password };
}

/** Cached for five minutes per container; a refused login is read again at the next delivery. */
const CACHE_MS = 300_000;

/**
 * The SMTP login from a Secrets Manager secret (AWSCURRENT). Rotating the secret takes effect
 * within five minutes, or at once when the server refuses the old login.
 */
export class SecretsManagerSmtpCredentials implements SmtpCredentialsSource {
  private readonly client: SecretsManagerClient;
  private readonly secretId: string;
  private cached: { at: number; login: SmtpCredentials } | undefined;

  constructor(client: SecretsManagerClient, secretId: string) {
    this.client = client;
    this.secretId = secretId;
  }

  async get(): Promise<SmtpCredentials> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.login;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!out.SecretString) throw new ConfigError(`secret ${this.secretId} has no string value`);
    const login = parseSmtpSecret(out.SecretString, this.secretId);
    this.cached = { at: Date.now(), login };
    return login;
  }

  refused(): void {
    this.cached = undefined;
  }
}

/** The local gateway's login: from its environment, since there is no Secrets Manager locally. */
export function environmentSmtpCredentials(env: NodeJS.ProcessEnv): SmtpCredentialsSource {
  const username = env.GRAYWALL_SMTP_USERNAME;
  const password = env.GRAYWALL_SMTP_PASSWORD;
  if (!username || !password) {
    throw new ConfigError(
      'delivery.auth is set: give the local gateway the login in GRAYWALL_SMTP_USERNAME and GRAYWALL_SMTP_PASSWORD',
    );
  }
  return { get: async () => ({ username, password }), refused: () => undefined };
}
