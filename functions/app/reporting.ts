import type { GraymailCategory } from '../core/graymail/classify-graymail.ts';
import type { Logger } from './ports.ts';

/**
 * The incoming-mail summary an admin reads: counted as messages flow, per UTC day.
 * Message counters count messages; list and action counters count recipients (a message to
 * two recipients that is quarantined for both counts twice under `quarantined`).
 *
 * The verdict counters are the score's. A safelist or blocklist entry decides per recipient
 * after the scan, so `blocklisted` / `safelisted` count the recipients a list decided for:
 * a blocklisted sender's mail that scored clean is under `clean` and `blocklisted`.
 */
export const COUNTERS = [
  'messages',
  'clean',
  'suspect',
  'positive',
  'unscannable',
  'blocklisted',
  'safelisted',
  'marketing',
  'social',
  'bulk',
  'delivered',
  'quarantined',
  'released',
  'dropped',
  'bounced',
  'deleted',
] as const;
export type Counter = (typeof COUNTERS)[number];

export const TOP_LISTS = ['spamSenders', 'graymailSenders', 'graymailRecipients'] as const;
export type TopList = (typeof TOP_LISTS)[number];

/** Builds a value for each top list (typed, unlike Object.fromEntries). */
export function mapTopLists<T>(fn: (list: TopList) => T): Record<TopList, T> {
  return {
    spamSenders: fn('spamSenders'),
    graymailSenders: fn('graymailSenders'),
    graymailRecipients: fn('graymailRecipients'),
  };
}

export interface DayReport {
  readonly day: string;
  readonly counters: Readonly<Partial<Record<Counter, number>>>;
  readonly top: Readonly<Record<TopList, ReadonlyArray<{ key: string; count: number }>>>;
}

export interface ReportsStore {
  add(
    day: string,
    counters: Partial<Record<Counter, number>>,
    top?: ReadonlyArray<{ list: TopList; key: string }>,
  ): Promise<void>;
  read(day: string, topSize: number): Promise<DayReport>;
}

export interface Report {
  readonly since: string;
  readonly until: string;
  readonly totals: Readonly<Partial<Record<Counter, number>>>;
  readonly top: Readonly<Record<TopList, ReadonlyArray<{ key: string; count: number }>>>;
  readonly days: readonly DayReport[];
}

/**
 * Counting must never stop mail: a failed counter write is logged and dropped (the count
 * is then one short), never retried into a double count.
 */
export async function count(
  reports: ReportsStore,
  log: Logger,
  at: Date,
  counters: Partial<Record<Counter, number>>,
  top: ReadonlyArray<{ list: TopList; key: string }> = [],
): Promise<void> {
  try {
    await reports.add(at.toISOString().slice(0, 10), counters, top);
  } catch (error) {
    log.warn('could not update report counters', { error, counters });
  }
}

export function graymailCounter(category: GraymailCategory): Counter | undefined {
  return category === 'none' ? undefined : category;
}

/**
 * The key a top-senders list counts a message under: the From address when the message has
 * one, the envelope sender otherwise. Bulk senders put a per-message or per-recipient bounce
 * address (VERP) in the envelope, so envelope senders would never add up; the From is also
 * the address `graywall track --from` and the quarantine search find.
 */
export function topSenderKey(from: string | undefined, envelopeFrom: string): string {
  return (from || envelopeFrom || '<>').toLowerCase();
}

/** Sums day reports into one, with top lists merged and cut to `topSize`. */
export function combineReports(
  days: readonly DayReport[],
  since: string,
  until: string,
  topSize: number,
): Report {
  const totals: Partial<Record<Counter, number>> = {};
  const tops = mapTopLists(() => new Map<string, number>());
  for (const day of days) {
    for (const [name, value] of Object.entries(day.counters) as Array<[Counter, number]>)
      totals[name] = (totals[name] ?? 0) + value;
    for (const list of TOP_LISTS)
      for (const { key, count } of day.top[list]) tops[list].set(key, (tops[list].get(key) ?? 0) + count);
  }
  const top = mapTopLists((list) =>
    [...tops[list]]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
      .slice(0, topSize),
  );
  return { since, until, totals, top, days };
}

/** The report for a window: one read per UTC day in it (at most a year), summed. */
export async function buildReport(
  reports: ReportsStore,
  since: string,
  until: string,
  topSize = 10,
): Promise<Report> {
  const days: string[] = [];
  const end = Date.parse(until.slice(0, 10));
  for (let t = Date.parse(since.slice(0, 10)); t <= end && days.length < 366; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  const read = await Promise.all(days.map((day) => reports.read(day, topSize * 5)));
  return combineReports(read, since, until, topSize);
}
