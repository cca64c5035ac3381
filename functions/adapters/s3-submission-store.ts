import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SubmissionQuery, SubmissionStore } from '../app/ports.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  parseSubmissionRecord,
  SUBMISSIONS_PREFIX,
  type Submission,
  submissionDay,
  submissionKeys,
} from '../core/submissions/submission.ts';

const DAY_MS = 86_400_000;

/**
 * Submissions in the mail bucket under submissions/ (layout in core/submissions/submission.ts).
 * Listing walks the days of the window newest first and reads each record: submissions come
 * in by the dozen, not by the million, and S3 keeps them with the mail they are about.
 */
export class S3SubmissionStore implements SubmissionStore {
  private readonly s3: S3Client;
  private readonly bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  async put(submission: Submission, raw: Uint8Array): Promise<void> {
    const keys = submissionKeys(submission.id);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: keys.message,
        Body: raw,
        ContentType: 'message/rfc822',
        ContentLength: raw.byteLength,
      }),
    );
    // The record goes last: a submission whose message failed to store never shows up.
    const record = Buffer.from(JSON.stringify(submission));
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: keys.record,
        Body: record,
        ContentType: 'application/json',
        ContentLength: record.byteLength,
      }),
    );
  }

  async get(id: string): Promise<Submission | undefined> {
    const text = await this.read(submissionKeys(id).record);
    return text === undefined ? undefined : parseSubmissionRecord(text.toString('utf8'));
  }

  async raw(id: string): Promise<Buffer> {
    const key = submissionKeys(id).message;
    const bytes = await this.read(key);
    if (!bytes)
      throw new NotFoundError(`submission ${id} has no stored message (s3://${this.bucket}/${key})`);
    return bytes;
  }

  async list(query: SubmissionQuery): Promise<{ items: Submission[]; cursor?: string }> {
    const items: Submission[] = [];
    const until = query.cursor ?? `${query.until.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-~`;
    for (const day of daysDescending(query.since, query.until)) {
      if (query.cursor && day > submissionDay(query.cursor)) continue;
      const ids = (await this.idsOn(day))
        .filter((id) => id < until)
        .sort()
        .reverse();
      for (const id of ids) {
        const submission = await this.get(id);
        if (!submission || submission.submittedAt < query.since || submission.submittedAt > query.until)
          continue;
        if (query.category && submission.category !== query.category) continue;
        if (items.length === query.limit) return { items, cursor: (items.at(-1) as Submission).id };
        items.push(submission);
      }
    }
    return { items };
  }

  private async idsOn(day: string): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${SUBMISSIONS_PREFIX}${day}/`,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of out.Contents ?? []) {
        const name = object.Key?.slice(SUBMISSIONS_PREFIX.length + day.length + 1) ?? '';
        if (name.endsWith('.json')) ids.push(name.slice(0, -'.json'.length));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return ids;
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

/** The UTC days from `until` back to `since`, as yyyy-mm-dd. */
function daysDescending(since: string, until: string): string[] {
  const days: string[] = [];
  const first = Date.parse(`${since.slice(0, 10)}T00:00:00Z`);
  for (let t = Date.parse(`${until.slice(0, 10)}T00:00:00Z`); t >= first; t -= DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
