import { describe, expect, it } from 'vitest';
import { summarizeState } from '../../../functions/core/tracking/summarize-state.ts';
import type { MessageState, RecipientRecord } from '../../../functions/core/tracking/types.ts';

const states = (...list: MessageState[]) => list.map((state) => ({ state }));

describe('summarizeState', () => {
  it('is the common state when every recipient agrees', () => {
    expect(summarizeState(states('delivered', 'delivered'), 'classified')).toBe('delivered');
  });
  it('is the pipeline progress while recipients are untouched or in flight', () => {
    expect(summarizeState(states('received', 'received'), 'scanned')).toBe('scanned');
    expect(summarizeState(states('delivering', 'received'), 'classified')).toBe('delivering');
  });
  it('is error when a recipient is stuck in error, mixed when all finished differently', () => {
    expect(summarizeState(states('delivered', 'error'), 'classified')).toBe('error');
    expect(summarizeState(states('delivered', 'quarantined'), 'classified')).toBe('mixed');
  });
  it('counts a refusal by the next hop as an outcome: mixed beside a delivery, error when it is all', () => {
    const refused: Pick<RecipientRecord, 'state' | 'action'> = { state: 'error', action: 'deliver' };
    expect(summarizeState([{ state: 'delivered' }, refused], 'classified')).toBe('mixed');
    expect(summarizeState([{ state: 'bounced' }, refused], 'classified')).toBe('mixed');
    expect(summarizeState([refused, refused], 'classified')).toBe('error');
    // Refused, while another recipient is still on its way: not settled yet.
    expect(summarizeState([{ state: 'delivering' }, refused], 'classified')).toBe('delivering');
  });
});
