import { BadRequestError } from '../core/errors.ts';

/**
 * Cursors are handed to API callers and come back untrusted: base64url JSON, checked for
 * shape before use, so a forged cursor gets a 400 rather than a DynamoDB validation error.
 */
export interface Cursor {
  /** Partition being read when the page ended (a day for time-window listings). */
  readonly partition: string;
  readonly lastKey?: Record<string, string>;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && typeof (value as Cursor).partition === 'string') {
      const lastKey = (value as Cursor).lastKey;
      if (
        lastKey === undefined ||
        (typeof lastKey === 'object' && Object.values(lastKey).every((v) => typeof v === 'string'))
      ) {
        return value as Cursor;
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new BadRequestError('invalid cursor');
}

/** UTC days from `until` back to `since` (newest first), as YYYY-MM-DD partition keys. */
export function daysBetween(since: string, until: string): string[] {
  const start = Date.parse(since.slice(0, 10));
  const end = Date.parse(until.slice(0, 10));
  if (!Number.isFinite(start) || !Number.isFinite(end))
    throw new BadRequestError('since and until must be ISO dates');
  if (end < start) return [];
  const days: string[] = [];
  // A year of daily partitions is the widest window one listing walks.
  for (let t = end; t >= start && days.length < 366; t -= 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Sort-key range for `<iso time>#<id>` keys between two ISO instants, inclusive. */
export function timeRange(since: string, until: string): { from: string; to: string } {
  return { from: since, to: `${until}#\u{10FFFF}` };
}
