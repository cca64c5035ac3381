import { type MessageState, TERMINAL_STATES } from './types.ts';

/**
 * One state for the whole message from its recipients' states: the common state when all
 * agree; `error` when any recipient is stuck in error; `mixed` when all are finished but
 * differently (e.g. delivered to one, quarantined for another); otherwise the pipeline
 * progress (`received`, `scanned`, `classified`, `delivering`).
 */
export function summarizeState(
  recipientStates: readonly MessageState[],
  progress: MessageState,
): MessageState {
  if (recipientStates.length === 0) return progress;
  const first = recipientStates[0] as MessageState;
  if (recipientStates.every((state) => state === first) && first !== 'received') return first;
  if (recipientStates.includes('error')) return 'error';
  if (recipientStates.every((state) => TERMINAL_STATES.includes(state))) return 'mixed';
  if (recipientStates.includes('delivering')) return 'delivering';
  return progress;
}
