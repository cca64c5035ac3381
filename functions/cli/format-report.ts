import type { Counter, Report } from '../app/reporting.ts';
import { table } from './format.ts';

const COLUMNS: ReadonlyArray<[Counter, string]> = [
  ['messages', 'MESSAGES'],
  ['clean', 'CLEAN'],
  ['suspect', 'SUSPECT'],
  ['positive', 'POSITIVE'],
  // Not scanned (size, timeout, undecodable): without it the verdicts do not add up to MESSAGES.
  ['unscannable', 'UNSCANNED'],
  // Recipients a safelist or blocklist entry decided for (the verdicts above are the score's).
  ['blocklisted', 'BLOCKLISTED'],
  ['safelisted', 'SAFELISTED'],
  ['marketing', 'MARKETING'],
  ['social', 'SOCIAL'],
  ['bulk', 'BULK'],
  ['delivered', 'DELIVERED'],
  ['quarantined', 'QUARANTINED'],
  ['released', 'RELEASED'],
  ['dropped', 'DROPPED'],
  ['bounced', 'BOUNCED'],
];

/** The incoming mail summary: one row per day and a total, then the top lists. */
export function formatReport(report: Report): string {
  const row = (label: string, counters: Report['totals']): string[] => [
    label,
    ...COLUMNS.map(([name]) => String(counters[name] ?? 0)),
  ];
  const lines = [
    `Incoming mail ${report.since.slice(0, 16).replace('T', ' ')} – ${report.until.slice(0, 16).replace('T', ' ')} UTC`,
    '(messages and verdicts count messages; list decisions and actions count recipients)',
    '',
    table(
      ['DAY', ...COLUMNS.map(([, title]) => title)],
      [...report.days.map((d) => row(d.day, d.counters)), row('TOTAL', report.totals)],
    ),
  ];
  const top = (title: string, entries: ReadonlyArray<{ key: string; count: number }>): void => {
    lines.push('', title);
    lines.push(
      entries.length === 0
        ? '  (none)'
        : entries.map((e) => `  ${String(e.count).padStart(6)}  ${e.key}`).join('\n'),
    );
  };
  top('Top senders of spam (suspect or positive)', report.top.spamSenders);
  top('Top senders of graymail', report.top.graymailSenders);
  top('Top recipients of graymail', report.top.graymailRecipients);
  return lines.join('\n');
}
