import { describe, expect, it } from 'vitest';
import { heldBecause } from '../../functions/app/digest.ts';

describe('why a message was held, as the digest tells an end user', () => {
  it("puts the classifiers' and test signals' reasons in plain words, and keeps a rule's own description", () => {
    const reason = (id: string, description: string) => ({
      id,
      group: 'body' as const,
      description,
      score: 10,
    });
    expect(
      heldBecause(
        reason(
          'STATISTICAL_SPAM',
          'Statistical classifier of the content (stat2-1eccf9f1): spam probability 100.00%',
        ),
      ),
    ).toBe('Its wording reads like spam');
    expect(heldBecause(reason('X_ADVERTISEMENT_SPAM', 'Test header "X-Advertisement: spam" present'))).toBe(
      'A test message for the spam filter',
    );
    expect(heldBecause(reason('BODY_ADVANCE_FEE', 'Advance-fee fraud phrases'))).toBe(
      'Advance-fee fraud phrases',
    );
    expect(heldBecause(undefined)).toBeUndefined();
  });
});
