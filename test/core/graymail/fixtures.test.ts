import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluateGraymail,
  formatGraymailEvaluation,
  type GraymailEvaluation,
  type GraymailSample,
} from '../../../functions/core/graymail/evaluate.ts';
import { loadGraymailSamples } from './graymail-fixtures.ts';

/**
 * The labelled fixture set (test/fixtures/graymail/<label>/*.eml): messages written for these
 * tests, with realistic headers of real ESPs and social networks and fictitious senders.
 * The bars below are the figures the classifier meets today, not aspirations.
 */
const MIN_ACCURACY = 0.9;

describe('graymail fixture set', () => {
  let samples: GraymailSample[];
  let evaluation: GraymailEvaluation;

  beforeAll(async () => {
    samples = await loadGraymailSamples();
    evaluation = evaluateGraymail(samples);
    console.log(`graymail fixtures\n${formatGraymailEvaluation(evaluation)}`);
  });

  it('has at least 60 messages, with every label represented', () => {
    expect(samples.length).toBeGreaterThanOrEqual(60);
    for (const figures of Object.values(evaluation.categories))
      expect(figures.support).toBeGreaterThanOrEqual(10);
  });

  it('never treats transactional or person-to-person mail as graymail', () => {
    const wrong = evaluation.misclassified.filter((miss) => miss.label === 'none');
    expect(wrong).toEqual([]);
    expect(evaluation.noneAsGraymail).toBe(0);
  });

  it(`classifies at least ${MIN_ACCURACY * 100}% of the set correctly`, () => {
    expect(evaluation.accuracy).toBeGreaterThanOrEqual(MIN_ACCURACY);
  });

  it('explains every graymail decision with at least one positive reason', async () => {
    const { classifyGraymail } = await import('../../../functions/core/graymail/classify-graymail.ts');
    for (const sample of samples) {
      const result = classifyGraymail(sample.message);
      if (result.category === 'none') continue;
      expect(
        result.reasons.some((reason) => reason.score > 0),
        sample.name,
      ).toBe(true);
      for (const reason of result.reasons) expect((reason.evidence ?? '').length).toBeLessThanOrEqual(120);
    }
  });
});
