import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SigningKeys } from '../app/ports.ts';
import type { SigningKey } from '../core/unsubscribe/unsubscribe-token.ts';

/** A key's id is derived from the secret, so rotating the secret rotates the id with it. */
function keyFromSecret(secret: string): SigningKey {
  return {
    id: createHash('sha256').update(secret).digest('base64url').slice(0, 8),
    secret: Buffer.from(secret, 'utf8'),
  };
}

/** Fixed keys (tests): the first signs, all verify. */
export class StaticSigningKeys implements SigningKeys {
  private readonly keys: readonly SigningKey[];
  constructor(secrets: readonly string[]) {
    this.keys = secrets.map(keyFromSecret);
  }
  async current(): Promise<SigningKey> {
    return this.keys[0] as SigningKey;
  }
  async all(): Promise<ReadonlyMap<string, Uint8Array>> {
    return new Map(this.keys.map((k) => [k.id, k.secret]));
  }
}

/**
 * The local gateway's key: a random secret in a file of ours (created on first use,
 * readable by the owner only), so links in locally delivered mail survive a restart.
 */
export function fileSigningKeys(path: string): StaticSigningKeys {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  chmodSync(path, 0o600);
  return new StaticSigningKeys([readFileSync(path, 'utf8').trim()]);
}

/**
 * Keys from a Secrets Manager secret (the stack generates it): AWSCURRENT signs; AWSCURRENT
 * and AWSPREVIOUS verify, so links issued before a rotation keep working until they expire
 * or the secret rotates again. Cached per container for five minutes.
 */
export class SecretsManagerSigningKeys implements SigningKeys {
  private readonly client: SecretsManagerClient;
  private readonly secretId: string;
  private cached: { at: number; current: SigningKey; all: Map<string, Uint8Array> } | undefined;

  constructor(client: SecretsManagerClient, secretId: string) {
    this.client = client;
    this.secretId = secretId;
  }

  async current(): Promise<SigningKey> {
    return (await this.load()).current;
  }

  async all(): Promise<ReadonlyMap<string, Uint8Array>> {
    return (await this.load()).all;
  }

  private async load(): Promise<{ current: SigningKey; all: Map<string, Uint8Array> }> {
    if (this.cached && Date.now() - this.cached.at < 300_000) return this.cached;
    const current = keyFromSecret(await this.version('AWSCURRENT', true));
    const all = new Map([[current.id, current.secret]]);
    const previous = await this.version('AWSPREVIOUS', false);
    if (previous) {
      const key = keyFromSecret(previous);
      all.set(key.id, key.secret);
    }
    this.cached = { at: Date.now(), current, all };
    return this.cached;
  }

  private async version(stage: string, required: boolean): Promise<string> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage }),
      );
      if (!out.SecretString) throw new Error(`secret ${this.secretId} (${stage}) has no string value`);
      return out.SecretString;
    } catch (error) {
      if (!required && error instanceof ResourceNotFoundException) return '';
      throw error;
    }
  }
}
