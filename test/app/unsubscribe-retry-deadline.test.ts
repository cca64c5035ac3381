import { describe, expect, it } from 'vitest';
import type { UnsubscribeDeps } from '../../functions/app/safe-unsubscribe.ts';
import { retryDueUnsubscribes } from '../../functions/app/safe-unsubscribe.ts';
import { memoryLogger } from '../support/gateway-harness.ts';

describe('retryDueUnsubscribes within the function timeout', () => {
  it('starts no attempt it could not finish: the rest stay due for the next run', async () => {
    const { log, lines } = memoryLogger();
    const claimed: string[] = [];
    const due = ['u-1', 'u-2', 'u-3'].map((requestId) => ({ requestId, attempts: 1 }));
    const deps = {
      clock: { now: () => new Date('2026-11-25T12:00:00Z') },
      log,
      config: { unsubscribe: { retryIntervalMinutes: 15 } },
      unsubscribes: {
        due: async () => due,
        // Another run holds every claim: no HTTP attempt is made here, only the pacing counts.
        update: async (requestId: string) => {
          claimed.push(requestId);
          return undefined;
        },
      },
    } as unknown as UnsubscribeDeps;
    // 300 s left, then 120 s, then 80 s: the third would not fit (budget 60 s + a 30 s request + margin).
    const left = [300_000, 120_000, 80_000];
    const tried = await retryDueUnsubscribes(deps, { remainingMs: () => left.shift() ?? 0 });
    expect(tried).toBe(2);
    expect(claimed).toEqual(['u-1', 'u-2']);
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'unsubscribe retries left for the next run: not enough time for another',
        left: 1,
      }),
    );
  });
});
