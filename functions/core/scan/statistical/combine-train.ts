/**
 * Training of the combination layer (see Combination in model.ts): a small logistic model
 * over [the classifier's out-of-fold log-odds (and the header classifier's, for a split
 * model), the rules that fired], fitted by cyclic
 * coordinate descent with one Newton step per coordinate. Each rule weight keeps the sign of
 * its rule's default score (a spam rule can learn "worth nothing", never "ham evidence"), so
 * every reason reads the way its description says. Pure and deterministic: fixed visiting
 * order, no randomness, no clock.
 */
export interface LayerRow {
  /** The classifier's log-odds for the message (out-of-fold in training). */
  readonly logit: number;
  /** The header classifier's log-odds, for a split model (all rows have it, or none). */
  readonly headerLogit?: number;
  /** Indices of the rule features that fired, ascending. */
  readonly hits: readonly number[];
  readonly spam: boolean;
  /** Loss weight of the row. */
  readonly weight: number;
}

export interface LayerOptions {
  /** L2 penalty on the rule weights (the bias and the classifier's weight are not penalised). */
  readonly l2: number;
  /** The classifier's log-odds are clamped to ±logitClamp before weighing. */
  readonly logitClamp: number;
  /** Sign each rule weight must keep: 1 (spam evidence) or -1 (ham evidence). */
  readonly signs: readonly number[];
  readonly maxSweeps?: number;
}

export interface FittedLayer {
  readonly bias: number;
  readonly statWeight: number;
  /** Weight of the header classifier's clamped log-odds; set when the rows have them. */
  readonly headerWeight?: number;
  readonly ruleWeights: Float64Array;
}

const MAX_STEP = 4;
const TOLERANCE = 1e-7;

export function fitLayer(rows: readonly LayerRow[], options: LayerOptions): FittedLayer {
  const features = options.signs.length;
  const n = rows.length;
  const x = Float64Array.from(rows, (row) => clampLogit(row.logit, options.logitClamp));
  const withHeader = rows.some((row) => row.headerLogit !== undefined);
  const hx = Float64Array.from(rows, (row) => clampLogit(row.headerLogit ?? 0, options.logitClamp));
  const y = Uint8Array.from(rows, (row) => (row.spam ? 1 : 0));
  const w = Float64Array.from(rows, (row) => row.weight);
  const byFeature: number[][] = Array.from({ length: features }, () => []);
  rows.forEach((row, i) => {
    for (const j of row.hits) byFeature[j]?.push(i);
  });
  const z = new Float64Array(n);
  let bias = 0;
  // With a header classifier both log-odds start at half weight, otherwise the classifier's at 1.
  let statWeight = withHeader ? 0.5 : 1;
  let headerWeight = withHeader ? 0.5 : 0;
  for (let i = 0; i < n; i++) z[i] = statWeight * (x[i] as number) + headerWeight * (hx[i] as number);
  const ruleWeights = new Float64Array(features);

  const sweeps = options.maxSweeps ?? 200;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let largest = 0;
    // Bias: dense, unpenalised.
    {
      let g = 0;
      let h = 0;
      for (let i = 0; i < n; i++) {
        const p = sigmoid(z[i] as number);
        g += (w[i] as number) * (p - (y[i] as number));
        h += (w[i] as number) * p * (1 - p);
      }
      const step = clampStep(-g / Math.max(h, 1e-9));
      bias += step;
      for (let i = 0; i < n; i++) z[i] = (z[i] as number) + step;
      largest = Math.max(largest, Math.abs(step));
    }
    // The classifier's weight: dense, unpenalised, kept positive.
    {
      const next = denseWeightStep({ z, w, y, x }, statWeight, 0.01);
      largest = Math.max(largest, Math.abs(next - statWeight));
      statWeight = next;
    }
    // The header classifier's weight: dense, unpenalised, never negative.
    if (withHeader) {
      const next = denseWeightStep({ z, w, y, x: hx }, headerWeight, 0);
      largest = Math.max(largest, Math.abs(next - headerWeight));
      headerWeight = next;
    }
    // Rule weights: sparse, L2-penalised, sign-constrained.
    for (let j = 0; j < features; j++) {
      const members = byFeature[j] as number[];
      if (members.length === 0) continue;
      const current = ruleWeights[j] as number;
      let g = options.l2 * current;
      let h = options.l2;
      for (const i of members) {
        const p = sigmoid(z[i] as number);
        g += (w[i] as number) * (p - (y[i] as number));
        h += (w[i] as number) * p * (1 - p);
      }
      let next = current + clampStep(-g / Math.max(h, 1e-9));
      next = (options.signs[j] as number) < 0 ? Math.min(0, next) : Math.max(0, next);
      const step = next - current;
      if (step === 0) continue;
      ruleWeights[j] = next;
      for (const i of members) z[i] = (z[i] as number) + step;
      largest = Math.max(largest, Math.abs(step));
    }
    if (largest < TOLERANCE) break;
  }
  return { bias, statWeight, ...(withHeader ? { headerWeight } : {}), ruleWeights };
}

interface DenseColumn {
  /** Every row's current z, updated in place by the step. */
  readonly z: Float64Array;
  readonly w: Float64Array;
  readonly y: Uint8Array;
  /** The column's value in every row. */
  readonly x: Float64Array;
}

/**
 * One Newton step on the weight of a dense column (a classifier's clamped log-odds), kept at
 * or above `floor`: updates z and returns the new weight.
 */
function denseWeightStep({ z, w, y, x }: DenseColumn, current: number, floor: number): number {
  let g = 0;
  let h = 0;
  for (let i = 0; i < z.length; i++) {
    const p = sigmoid(z[i] as number);
    const xi = x[i] as number;
    g += (w[i] as number) * (p - (y[i] as number)) * xi;
    h += (w[i] as number) * p * (1 - p) * xi * xi;
  }
  const next = Math.max(floor, current + clampStep(-g / Math.max(h, 1e-9)));
  const step = next - current;
  for (let i = 0; i < z.length; i++) z[i] = (z[i] as number) + step * (x[i] as number);
  return next;
}

/** z of one row under a fitted layer. */
export function layerZ(
  layer: FittedLayer,
  row: Pick<LayerRow, 'logit' | 'headerLogit' | 'hits'>,
  logitClamp: number,
): number {
  let z = layer.bias + layer.statWeight * clampLogit(row.logit, logitClamp);
  if (layer.headerWeight !== undefined)
    z += layer.headerWeight * clampLogit(row.headerLogit ?? 0, logitClamp);
  for (const j of row.hits) z += layer.ruleWeights[j] as number;
  return z;
}

function clampLogit(logit: number, limit: number): number {
  if (Number.isNaN(logit)) return 0;
  return Math.min(limit, Math.max(-limit, logit));
}

function clampStep(step: number): number {
  if (!Number.isFinite(step)) return 0;
  return Math.min(MAX_STEP, Math.max(-MAX_STEP, step));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
