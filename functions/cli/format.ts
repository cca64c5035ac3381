import type { QuarantineItem } from '../app/quarantine-item.ts';
import { topReasons } from '../core/scan/result-header.ts';
import { TERMINAL_STATES, type TrackingRecord } from '../core/tracking/types.ts';
import { oneLine } from './terminal-text.ts';

/** Plain-text tables for a terminal: columns padded, long cells cut with an ellipsis. */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  maxWidth = 48,
): string {
  const cut = (text: string): string => (text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text);
  const cells = [headers, ...rows].map((row) => row.map((cell) => cut(cell.replace(/\s+/g, ' '))));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatQuarantineList(items: readonly QuarantineItem[]): string {
  if (items.length === 0) return 'No quarantined messages in this window.';
  return table(
    ['QUARANTINED', 'MESSAGE ID', 'RECIPIENT', 'FROM', 'SUBJECT', 'SCORE', 'TOP REASON'],
    items.map((item) => [
      item.quarantinedAt.slice(0, 19).replace('T', ' '),
      item.messageId,
      item.recipient,
      item.from ?? item.envelopeFrom,
      item.subject ?? '',
      String(item.score),
      topReasons(item.reasons, 1)[0]?.id ?? '',
    ]),
  );
}

/** The answer to "why": verdict, every reason with its contribution, and the timeline. */
export function formatTrackingRecord(record: TrackingRecord): string {
  const lines = [
    `Message   ${record.messageId}${record.internetMessageId ? `  (Message-ID ${oneLine(record.internetMessageId)})` : ''}`,
    `Received  ${record.receivedAt}${record.remoteIp ? ` from ${record.remoteIp}` : ''}, ${record.size} bytes`,
    `Envelope  <${oneLine(record.envelopeFrom)}> → ${record.recipients.join(', ')}`,
    `From      ${oneLine(record.from ?? '-')}`,
    `Subject   ${oneLine(record.subject ?? '-')}`,
    `State     ${stateOf(record)}`,
  ];
  if (record.scan) {
    lines.push(
      `Verdict   ${record.scan.verdict}, score ${record.scan.score}/100 (${record.scan.engineVersion})`,
    );
    if (record.scan.reasons.length > 0) {
      lines.push('', 'Reasons');
      lines.push(
        table(
          ['RULE', 'SCORE', 'DESCRIPTION', 'EVIDENCE'],
          record.scan.reasons.map((r) => [
            r.id,
            `${r.score >= 0 ? '+' : ''}${r.score}`,
            r.description,
            r.evidence ?? '',
          ]),
          60,
        ),
      );
    }
  }
  if (record.graymail)
    lines.push(
      '',
      `Graymail  ${record.graymail.category}${record.graymail.reasons.length ? ` (${record.graymail.reasons.map((r) => r.id).join(', ')})` : ''}`,
    );
  lines.push('', 'Recipients');
  lines.push(
    table(
      ['RECIPIENT', 'STATE', 'POLICY', 'ACTION', 'LAST RESPONSE'],
      record.recipientStates.map((r) => [
        r.recipient,
        r.state,
        r.policy ?? '',
        r.action ?? '',
        r.response ?? '',
      ]),
      70,
    ),
  );
  lines.push('', 'Timeline');
  lines.push(
    table(
      ['TIME', 'STAGE', 'EVENT', 'DETAIL'],
      record.events.map((e) => [e.at.slice(0, 23).replace('T', ' '), e.stage, e.type, e.detail]),
      110,
    ),
  );
  return lines.join('\n');
}

export function formatTrackingList(records: readonly TrackingRecord[]): string {
  if (records.length === 0) return 'No messages in this window.';
  return table(
    ['RECEIVED', 'MESSAGE ID', 'FROM', 'TO', 'SUBJECT', 'VERDICT', 'STATE'],
    records.map((r) => [
      r.receivedAt.slice(0, 19).replace('T', ' '),
      r.messageId,
      // The address the user saw, as in the quarantine list; `why` shows both.
      r.from ?? (r.envelopeFrom || '<>'),
      r.recipients.join(','),
      r.subject ?? '',
      r.scan
        ? `${r.scan.verdict} ${r.scan.score}${r.policyVerdicts?.length ? ` (per recipient: ${r.policyVerdicts.join(', ')})` : ''}`
        : '-',
      stateOf(r),
    ]),
  );
}

/**
 * The message's state, and "retrying" while a stage is being retried: its recipients keep the
 * state they had before the failed attempt (`classified`, say), which alone reads as stuck.
 */
function stateOf(record: TrackingRecord): string {
  if (record.state === 'mixed') return mixedState(record);
  if (TERMINAL_STATES.includes(record.state)) return record.state;
  const last = record.events.at(-1);
  return last?.type === 'stage-failed' ? `${record.state}, retrying (see the timeline)` : record.state;
}

/**
 * `mixed` with how many recipients are in which state: `track --state quarantined` lists a
 * message held for one recipient and delivered to another, and the list should say so
 * (`graywall track <id>` says who). Counts, not addresses, to fit the column.
 */
function mixedState(record: TrackingRecord): string {
  const counts = new Map<string, number>();
  for (const r of record.recipientStates) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  if (counts.size === 0) return record.state;
  return `mixed: ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}`;
}

const VERDICT_WORDS: Record<string, string> = {
  positive: 'positive spam',
  suspect: 'suspected spam',
  clean: 'not spam',
  unscannable: 'not scanned',
};

/**
 * "Why was this message treated as it was?": the verdict with every reason and its weight,
 * what happened to each recipient under which policy, and what an admin can change.
 */
/** Event texts that say a list entry or a recipient's own policy thresholds decided the verdict. */
const OVERRIDDEN = /treated as positive spam|spam and graymail verdicts skipped| under policy "/;

export function formatWhy(record: TrackingRecord): string {
  const lines = [
    `${record.messageId}: from <${oneLine(record.envelopeFrom)}> to ${record.recipients.join(', ')}, "${oneLine(record.subject ?? '')}"`,
  ];
  if (!record.scan) {
    lines.push('', `Not scanned yet (state ${record.state}).`);
    return lines.join('\n');
  }
  lines.push(
    '',
    `Verdict: ${VERDICT_WORDS[record.scan.verdict] ?? record.scan.verdict}, score ${record.scan.score}/100 (${record.scan.engineVersion})`,
  );
  if (record.scan.note) lines.push(`  ${record.scan.note}`);
  // The verdict above is the score's; a list entry or a recipient's policy may have decided
  // otherwise for some recipients (shown under "What happened").
  if (record.events.some((e) => OVERRIDDEN.test(e.detail)))
    lines.push(
      "  (the score's verdict: for some recipients a list entry or their policy decided, see below)",
    );
  if (record.scan.reasons.length > 0) {
    lines.push('because:');
    for (const r of record.scan.reasons) {
      lines.push(
        `  ${`${r.score >= 0 ? '+' : ''}${r.score}`.padStart(5)}  ${r.id}  ${oneLine(r.description)}${r.evidence ? `  [${oneLine(r.evidence)}]` : ''}`,
      );
    }
  } else {
    lines.push('No rule or engine found anything.');
  }
  if (record.graymail && record.graymail.category !== 'none') {
    lines.push(
      '',
      `Graymail: ${record.graymail.category} (${record.graymail.reasons.map((r) => r.id).join(', ')})`,
    );
  }
  lines.push('', 'What happened:');
  for (const r of record.recipientStates) {
    const decided = [...record.events]
      .reverse()
      .find((e) => e.recipients?.includes(r.recipient) && e.stage !== 'receive');
    lines.push(`  ${r.recipient}: ${r.state}${decided ? ` — ${oneLine(decided.detail)}` : ''}`);
  }
  const notApplied = record.events.filter((e) => e.type === 'list-not-applied');
  for (const e of notApplied) lines.push(`  ${e.recipients?.join(', ') ?? ''}: ${oneLine(e.detail)}`);
  const held = record.recipientStates.filter((r) => ['quarantined', 'dropped', 'bounced'].includes(r.state));
  if (held.length > 0) {
    lines.push('', 'To let it through:');
    if (record.recipientStates.some((r) => r.state === 'quarantined')) {
      lines.push(`  now:       graywall quarantine release ${record.messageId}`);
    }
    // Held as graymail by a policy's graymail action, not for spam: besides a safelist entry
    // (which skips the graymail actions too), a filter or the policy itself is the lever.
    const graymailHeld = held
      .map((r) => {
        const decided = [...record.events]
          .reverse()
          .find((e) => e.recipients?.includes(r.recipient) && e.stage === 'action');
        const match = decided && /policy "([^"]+)" \(graymail: (marketing|social|bulk)/.exec(decided.detail);
        return match ? { policy: match[1] as string, category: match[2] as string } : undefined;
      })
      .find((found) => found !== undefined);
    const blocked = record.events.some((e) => /blocklist/.test(e.detail));
    if (blocked) lines.push(`  next time: remove the matching blocklist entry (graywall blocklist list)`);
    else if (notApplied.length > 0) {
      // Another entry would not help either: what is missing is the sender's authentication.
      lines.push(
        '  next time: the safelist entry above applies once the sender is authenticated (an SPF record covering',
        '             its servers for the envelope sender, or DMARC passing for the From domain); ask the sender',
      );
    } else if (record.allowSender && graymailHeld === undefined) {
      // The identity that was authenticated: an entry for it applies to the sender's next mail.
      lines.push(
        `  next time: graywall safelist add ${oneLine(record.allowSender)} --for ${held[0]?.recipient}   (or without --for, for everyone)`,
      );
    } else if (graymailHeld === undefined) {
      // An entry would never apply (see safelistableAddress): say what is missing instead.
      lines.push(
        '  next time: a safelist entry would not apply: neither SPF passed for the envelope sender nor DMARC for',
        '             the From domain. Ask the sender to publish SPF/DMARC, or release its messages one by one',
      );
    }
    if (graymailHeld && !blocked && notApplied.length === 0) {
      const { policy, category } = graymailHeld;
      lines.push(
        `  next time: policy "${policy}" holds ${category} mail (its graymail.${category} action); for this sender's,`,
        `             add a message filter with a sender or header condition and action skip-${category}check,`,
        `             or change what the policy does with ${category} mail`,
      );
      if (record.allowSender) {
        lines.push(
          `             (or graywall safelist add ${oneLine(record.allowSender)} --for ${held[0]?.recipient}: it skips the spam check too)`,
        );
      }
    }
  }
  return lines.join('\n');
}
