import type { S3Client } from '@aws-sdk/client-s3';
import type { SubmissionQuery, SubmissionStore } from '../app/ports.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  parseSubmissionRecord,
  SUBMISSIONS_PREFIX,
  type Submission,
  submissionDay,
  submissionKeys,
} from '../core/submissions/submission.ts';
import { listKeys, readObject, writeObject } from './s3-objects.ts';

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
    await writeObject(this.s3, this.bucket, keys.message, raw, 'message/rfc822');
    // The record goes last: a submission whose message failed to store never shows up.
    await writeObject(
      this.s3,
      this.bucket,
      keys.record,
      Buffer.from(JSON.stringify(submission)),
      'application/json',
    );
  }

  async updateRecord(submission: Submission): Promise<void> {
    await writeObject(
      this.s3,
      this.bucket,
      submissionKeys(submission.id).record,
      Buffer.from(JSON.stringify(submission)),
      'application/json',
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

  async ids(): Promise<string[]> {
    // <day>/<id>.json: keys sort by day, then by id (which starts with the time): oldest first.
    return this.recordIdsUnder(SUBMISSIONS_PREFIX);
  }

  private idsOn(day: string): Promise<string[]> {
    return this.recordIdsUnder(`${SUBMISSIONS_PREFIX}${day}/`);
  }

  /** The ids of the records (`<day>/<id>.json`) under a prefix, in key order. */
  private async recordIdsUnder(prefix: string): Promise<string[]> {
    const names = await listKeys(this.s3, this.bucket, prefix);
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(name.lastIndexOf('/') + 1, -'.json'.length));
  }

  private read(key: string): Promise<Buffer | undefined> {
    return readObject(this.s3, this.bucket, key);
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
