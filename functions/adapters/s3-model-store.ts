import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CurrentModel, ModelStore, ModelVersionRecord } from '../app/model-versions.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  CURRENT_MODEL_KEY,
  InvalidModelPointerError,
  MODEL_RECORD_SUFFIX,
  MODEL_VERSIONS_PREFIX,
  modelVersionKeys,
  parseCurrentModel,
  parseModelVersion,
  parseModelVersionRecord,
} from '../core/models/model-record.ts';

/**
 * Model versions in the mail bucket under models/. There are a handful a month (one per
 * retraining at most), so listing reads every record; records and the pointer are validated
 * on the way in, and a record that does not validate is left out of the history rather than
 * trusted.
 */
export class S3ModelStore implements ModelStore {
  private readonly s3: S3Client;
  private readonly bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  async putVersion(record: ModelVersionRecord, artifact: string): Promise<void> {
    const keys = modelVersionKeys(record.version);
    await this.write(keys.artifact, artifact);
    // The record goes last: a version whose artifact failed to store never shows up.
    await this.write(keys.record, JSON.stringify(record));
  }

  async getArtifact(version: string): Promise<string> {
    const key = modelVersionKeys(version).artifact;
    const bytes = await this.read(key);
    if (!bytes)
      throw new NotFoundError(`model version ${version} has no artifact (s3://${this.bucket}/${key})`);
    return bytes.toString('utf8');
  }

  async getRecord(version: string): Promise<ModelVersionRecord | undefined> {
    const bytes = await this.read(modelVersionKeys(version).record);
    const record = bytes === undefined ? undefined : parseModelVersionRecord(bytes.toString('utf8'));
    // A record stored under another version's key would make history and rollback lie.
    return record?.version === version ? record : undefined;
  }

  async updateRecord(record: ModelVersionRecord): Promise<void> {
    await this.write(modelVersionKeys(record.version).record, JSON.stringify(record));
  }

  async listVersions(): Promise<ModelVersionRecord[]> {
    const versions: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: MODEL_VERSIONS_PREFIX,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of out.Contents ?? []) {
        const name = object.Key?.slice(MODEL_VERSIONS_PREFIX.length) ?? '';
        if (name.endsWith(MODEL_RECORD_SUFFIX)) versions.push(name.slice(0, -MODEL_RECORD_SUFFIX.length));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    const records: ModelVersionRecord[] = [];
    for (const version of versions) {
      const record = await this.getRecord(version).catch((error: unknown) => {
        // A key that is not a valid version name (written by hand) is skipped like a bad record.
        if ((error as Error)?.name === 'BadRequestError') return undefined;
        throw error;
      });
      if (record) records.push(record);
    }
    // Newest first (by time, not text: an offset timestamp is valid ISO too); ties by version.
    return records.sort((a, b) =>
      a.createdAt === b.createdAt
        ? compare(b.version, a.version)
        : compare(Date.parse(b.createdAt), Date.parse(a.createdAt)),
    );
  }

  async current(): Promise<CurrentModel | undefined> {
    const bytes = await this.read(CURRENT_MODEL_KEY);
    if (bytes === undefined) return undefined;
    const pointer = parseCurrentModel(bytes.toString('utf8'));
    // Not "undefined" (which means the bundled model): a broken pointer is a fault to report,
    // not a silent switch back to the bundled model.
    if (!pointer)
      throw new InvalidModelPointerError(
        `s3://${this.bucket}/${CURRENT_MODEL_KEY} is not a valid model pointer`,
      );
    return pointer;
  }

  async setCurrent(pointer: CurrentModel): Promise<void> {
    parseModelVersion(pointer.version);
    await this.write(CURRENT_MODEL_KEY, JSON.stringify(pointer));
  }

  private async write(key: string, text: string): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ContentLength: body.byteLength,
      }),
    );
  }

  private async read(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : undefined;
    } catch (error) {
      const name = (error as { name?: string })?.name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw error;
    }
  }
}

function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
