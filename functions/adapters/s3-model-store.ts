import type { S3Client } from '@aws-sdk/client-s3';
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
import { listKeys, readObject, writeObject } from './s3-objects.ts';

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
    const versions = (await listKeys(this.s3, this.bucket, MODEL_VERSIONS_PREFIX))
      .filter((name) => name.endsWith(MODEL_RECORD_SUFFIX))
      .map((name) => name.slice(0, -MODEL_RECORD_SUFFIX.length));
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
    // Listed before it is read: S3 answers a GET of a missing key with 403 AccessDenied, not
    // 404, to a role without s3:ListBucket on the whole bucket, and the roles that follow the
    // model may list models/ only. Until a first promotion every refresh would look like a
    // permission fault.
    const listed = await listKeys(this.s3, this.bucket, CURRENT_MODEL_KEY);
    if (!listed.includes('')) return undefined;
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

  private write(key: string, text: string): Promise<void> {
    return writeObject(this.s3, this.bucket, key, Buffer.from(text, 'utf8'), 'application/json');
  }

  private read(key: string): Promise<Buffer | undefined> {
    return readObject(this.s3, this.bucket, key);
  }
}

function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
