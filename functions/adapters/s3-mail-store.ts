import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { MailStore } from '../app/ports.ts';
import { NotFoundError } from '../core/errors.ts';

/** Raw mail in the mail bucket (SSE-KMS/S3 encryption is the bucket's default). */
export class S3MailStore implements MailStore {
  readonly bucket: string;
  private readonly s3: S3Client;

  constructor(s3: S3Client, bucket: string) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) throw new NotFoundError(`s3://${this.bucket}/${key} has no body`);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      throw notFound(error, this.bucket, key);
    }
  }

  async size(key: string): Promise<number> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (error) {
      throw notFound(error, this.bucket, key);
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'message/rfc822',
        ContentLength: body.byteLength,
      }),
    );
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: `${this.bucket}/${encodeKey(fromKey)}`,
        }),
      );
    } catch (error) {
      throw notFound(error, this.bucket, fromKey);
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function notFound(error: unknown, bucket: string, key: string): unknown {
  if (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error as { name?: string })?.name === 'NoSuchKey'
  ) {
    return new NotFoundError(`s3://${bucket}/${key} does not exist`, { cause: error });
  }
  return error;
}
