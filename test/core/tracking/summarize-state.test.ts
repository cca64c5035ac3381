import { describe, expect, it } from 'vitest';
import { summarizeState } from '../../../functions/core/tracking/summarize-state.ts';

describe('summarizeState', () => {
  it('is the common state when every recipient agrees', () => {
    expect(summarizeState(['delivered', 'delivered'], 'classified')).toBe('delivered');
  });
  it('is the pipeline progress while recipients are untouched or in flight', () => {
    expect(summarizeState(['received', 'received'], 'scanned')).toBe('scanned');
    expect(summarizeState(['delivering', 'received'], 'classified')).toBe('delivering');
  });
  it('is error when any recipient is in error, mixed when all finished differently', () => {
    expect(summarizeState(['delivered', 'error'], 'classified')).toBe('error');
    expect(summarizeState(['delivered', 'quarantined'], 'classified')).toBe('mixed');
  });
});
