import { describe, expect, it } from 'vitest';
import { SUBMISSION_CATEGORIES } from '../../../functions/core/submissions/submission.ts';
import {
  HELD_OUT_ONE_IN,
  isHeldOutSubmission,
  spamLabelOf,
  submissionFold,
} from '../../../functions/core/training/submission-examples.ts';

describe('what a submission teaches the spam model', () => {
  it('labels missed spam and phishing as spam, not-spam as ham, and the graymail categories not at all', () => {
    expect(Object.fromEntries(SUBMISSION_CATEGORIES.map((c) => [c, spamLabelOf(c)]))).toEqual({
      'missed-spam': 'spam',
      'missed-phishing': 'spam',
      'not-spam': 'ham',
      'missed-marketing': undefined,
      'not-marketing': undefined,
    });
  });
});

describe('the held-out split of submissions', () => {
  const ids = Array.from(
    { length: 2000 },
    (_, n) =>
      `20261125T${String(n % 240000).padStart(6, '0')}Z-${(0xa0000000 + n * 2654435761).toString(16).slice(-8)}`,
  );

  it('holds out about one in five, by id, the same on every call', () => {
    const held = ids.filter(isHeldOutSubmission);
    expect(held.length / ids.length).toBeGreaterThan(1 / HELD_OUT_ONE_IN - 0.03);
    expect(held.length / ids.length).toBeLessThan(1 / HELD_OUT_ONE_IN + 0.03);
    expect(ids.filter(isHeldOutSubmission)).toEqual(held);
  });

  it('spreads trained submissions over the five cross-validation folds', () => {
    const folds = ids.filter((id) => !isHeldOutSubmission(id)).map(submissionFold);
    for (let fold = 0; fold < 5; fold++) expect(folds.filter((f) => f === fold).length).toBeGreaterThan(250);
    expect(folds.every((f) => Number.isInteger(f) && f >= 0 && f < 5)).toBe(true);
  });
});
