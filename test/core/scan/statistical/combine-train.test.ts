import { describe, expect, it } from 'vitest';
import {
  fitLayer,
  type LayerRow,
  layerZ,
} from '../../../../functions/core/scan/statistical/combine-train.ts';

/** Rows where the classifier and a rule are weak hints and the header classifier a strong one. */
function rows(withHeader: boolean): LayerRow[] {
  const out: LayerRow[] = [];
  for (let i = 0; i < 200; i++) {
    const spam = i % 2 === 0;
    const noisy = i % 10 === 0;
    out.push({
      logit: (spam ? 1 : -1) * (noisy ? -1 : 1) * 0.5,
      ...(withHeader ? { headerLogit: spam ? 3 : -3 } : {}),
      hits: spam && i % 4 === 0 ? [0] : [],
      spam,
      weight: 1,
    });
  }
  return out;
}

describe('the combination layer', () => {
  it('learns a weight for the header classifier and counts it in z', () => {
    // Prepare
    const options = { l2: 1, logitClamp: 8, signs: [1] };
    // Act
    const layer = fitLayer(rows(true), options);
    // Assess
    expect(layer.headerWeight).toBeGreaterThan(0.5);
    const spamZ = layerZ(layer, { logit: 0, headerLogit: 3, hits: [] }, 8);
    const hamZ = layerZ(layer, { logit: 0, headerLogit: -3, hits: [] }, 8);
    expect(spamZ - hamZ).toBeCloseTo(6 * (layer.headerWeight as number), 10);
  });

  it('has no header weight when the rows carry no header log-odds, as for a one-classifier model', () => {
    const layer = fitLayer(rows(false), { l2: 1, logitClamp: 8, signs: [1] });
    expect(layer.headerWeight).toBeUndefined();
    expect(layer.statWeight).toBeGreaterThan(0);
    expect(layer.ruleWeights[0]).toBeGreaterThanOrEqual(0);
  });

  it('clamps the header log-odds like the classifier log-odds', () => {
    const layer = fitLayer(rows(true), { l2: 1, logitClamp: 2, signs: [1] });
    const at = (headerLogit: number): number => layerZ(layer, { logit: 0, headerLogit, hits: [] }, 2);
    expect(at(50)).toBe(at(2));
    expect(at(-50)).toBe(at(-2));
  });
});
