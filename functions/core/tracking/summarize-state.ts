import { isSettled, refusedByNextHop } from './recipient-outcome.ts';
import type { MessageState, RecipientRecord } from './types.ts';

/**
 * One state for the whole message from its recipients': the common state when all agree;
 * `error` when a recipient is stuck (the pipeline gave up on it, or an attempt failed, and it
 * is waiting to be retried or redriven); `mixed` when all are settled but differently
 * (delivered to one, quarantined for another, or refused by the next hop for a third: a
 * refusal for good is an outcome, not a stuck message); otherwise the pipeline progress
 * (`received`, `scanned`, `classified`, `delivering`).
 */
export function summarizeState(
  recipients: ReadonlyArray<Pick<RecipientRecord, 'state' | 'action'>>,
  progress: MessageState,
): MessageState {
  if (recipients.length === 0) return progress;
  const first = (recipients[0] as Pick<RecipientRecord, 'state'>).state;
  if (recipients.every((r) => r.state === first) && first !== 'received') return first;
  if (recipients.some((r) => r.state === 'error' && !refusedByNextHop(r))) return 'error';
  if (recipients.every(isSettled)) return 'mixed';
  if (recipients.some((r) => r.state === 'delivering')) return 'delivering';
  return progress;
}
