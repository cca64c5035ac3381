import { type RecipientRecord, TERMINAL_STATES } from './types.ts';

/**
 * The next hop refused this recipient's copy for good (a 5xx, or SES's 4xx): the action stage
 * recorded `error` with the action it tried. A dead-lettered recipient is `error` too, but
 * with no action (the pipeline, not the next hop, gave up), and a redrive tries it again.
 */
export function refusedByNextHop(recipient: Pick<RecipientRecord, 'state' | 'action'>): boolean {
  return recipient.state === 'error' && recipient.action === 'deliver';
}

/**
 * Nothing more will be done for this recipient: a retry of the message skips it, and a
 * dead letter does not list it as undone.
 */
export function isSettled(recipient: Pick<RecipientRecord, 'state' | 'action'>): boolean {
  return TERMINAL_STATES.includes(recipient.state) || refusedByNextHop(recipient);
}
