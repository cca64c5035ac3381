import { BadRequestError } from '../errors.ts';

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/**
 * Reads a point in time as an operator writes it: an ISO 8601 timestamp or date, or a
 * duration back from `now` such as `30m`, `2h`, `7d`, `1w`.
 */
export function parseInstant(text: string, now: Date, field: string): Date {
  const relative = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (relative)
    return new Date(now.getTime() - Number(relative[1]) * (UNITS[relative[2] as string] as number));
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const parsed = new Date(text.trim());
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw new BadRequestError(
    `${field} must be an ISO time (2026-11-25T10:00:00Z) or a duration such as 2h or 7d (got ${JSON.stringify(text.slice(0, 40))})`,
  );
}

export interface TimeWindow {
  readonly since: string;
  readonly until: string;
}

/** A window for listings; defaults to the last `defaultDays` days. */
export function timeWindow(
  since: string | undefined,
  until: string | undefined,
  now: Date,
  defaultDays = 7,
): TimeWindow {
  const end = until ? parseInstant(until, now, 'until') : now;
  const start = since ? parseInstant(since, now, 'since') : new Date(end.getTime() - defaultDays * DAY_MS);
  if (start.getTime() > end.getTime()) throw new BadRequestError('since must be before until');
  if (end.getTime() - start.getTime() > 366 * DAY_MS)
    throw new BadRequestError('a time window may span at most 366 days');
  return { since: start.toISOString(), until: end.toISOString() };
}

/** A page size from a query string: 1..max, default `fallback`. */
export function pageLimit(text: string | undefined, fallback = 50, max = 500): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new BadRequestError(`limit must be a whole number from 1 to ${max}`);
  return n;
}
