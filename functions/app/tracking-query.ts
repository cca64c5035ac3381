import type { MessageState, TrackingRecord } from '../core/tracking/types.ts';
import type { TrackingQuery } from './ports.ts';

/** Message-IDs compare without angle brackets and case (RFC 5322 §3.6.4 msg-id). */
export function normalizeMessageIdHeader(value: string): string {
  return value.trim().replace(/^<|>$/g, '').toLowerCase();
}

/** Whether a record meets every criterion of a query (the window is applied by the index). */
export function matchesTrackingQuery(record: TrackingRecord, query: TrackingQuery): boolean {
  if (query.sender) {
    // Either sender identity: the envelope's (MAIL FROM) or the From header's address.
    const wanted = query.sender.toLowerCase();
    if (record.envelopeFrom.toLowerCase() !== wanted && record.from?.toLowerCase() !== wanted) return false;
  }
  if (query.recipient && !record.recipients.includes(query.recipient.toLowerCase())) return false;
  if (query.subject && !(record.subject ?? '').toLowerCase().includes(query.subject.toLowerCase()))
    return false;
  if (
    query.internetMessageId &&
    normalizeMessageIdHeader(record.internetMessageId ?? '') !==
      normalizeMessageIdHeader(query.internetMessageId)
  ) {
    return false;
  }
  if (query.state && !isInState(record, query.state, query.recipient)) return false;
  // The score's verdict, or one a recipient's policy reached (its own thresholds, a list entry).
  if (
    query.verdict &&
    record.scan?.verdict !== query.verdict &&
    !(record.policyVerdicts ?? []).includes(query.verdict)
  )
    return false;
  return true;
}

/**
 * States that describe the whole message, not one recipient's copy: the pipeline's progress
 * before the action stage (recipients stay `received` until then) and `mixed`.
 */
const MESSAGE_LEVEL_STATES: readonly MessageState[] = ['received', 'scanned', 'classified', 'mixed'];

/**
 * Whether a message is in `state` for the admin searching: a recipient's state (delivered,
 * quarantined, bounced...) matches when any recipient, or the one searched for, is in it, so a
 * message held for one recipient and delivered to another (`mixed`) is found as quarantined.
 * Progress states and `mixed` are the message's own.
 */
function isInState(record: TrackingRecord, state: MessageState, recipient: string | undefined): boolean {
  if (MESSAGE_LEVEL_STATES.includes(state) || record.recipientStates.length === 0)
    return record.state === state;
  const wanted = recipient?.toLowerCase();
  return record.recipientStates.some(
    (r) => r.state === state && (wanted === undefined || r.recipient.toLowerCase() === wanted),
  );
}
