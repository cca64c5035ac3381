import {
  type Calibration,
  type Combination,
  featureValue,
  hashToken,
  type PartModel,
  type StatisticalModel,
} from './model.ts';

/**
 * Training of the statistical model: L2-regularised logistic regression over hashed
 * token-presence features, fitted with AdaGrad SGD in a seeded order. Pure and deterministic:
 * the same examples and options give a bit-identical model on every machine (IEEE doubles,
 * fixed visiting order, no clock, no Math.random).
 */
export interface TrainingExample {
  readonly tokens: readonly string[];
  readonly spam: boolean;
  /** Loss weight; defaults to 1 for spam and `hamWeight` for ham. */
  readonly weight?: number;
}

export interface TrainOptions {
  /** L2 penalty per feature update. */
  readonly l2: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** Loss weight of a ham example relative to a spam one (> 1 trades recall for fewer FPs). */
  readonly hamWeight: number;
  /**
   * Length normalisation: a message with n > normTokens tokens has each token's feature value
   * scaled by sqrt(normTokens / n), so long mail cannot pile up many weak votes.
   */
  readonly normTokens: number;
  /** A token must occur in at least this many training messages to become a feature. */
  readonly minDocs: number;
  /** Weights smaller than this in magnitude are dropped from the artifact. */
  readonly pruneBelow: number;
  readonly seed: number;
  /** Number of SGD runs (seeds seed, seed+1, ...) whose weights are averaged. */
  readonly ensemble: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  l2: 1e-4,
  epochs: 12,
  learningRate: 0.1,
  hamWeight: 1,
  minDocs: 2,
  normTokens: 300,
  pruneBelow: 1e-3,
  seed: 20021,
  ensemble: 1,
};

/** A trained model before calibration and versioning. */
export interface FittedWeights {
  readonly bias: number;
  readonly hashes: Uint32Array;
  readonly weights: Float32Array;
}

/** Hashes each example's tokens once (unique per example) so folds and grids can reuse them. */
export function hashExamples(examples: readonly TrainingExample[]): HashedExample[] {
  return examples.map((example) => {
    const set = new Set<number>();
    for (const token of example.tokens) set.add(hashToken(token));
    return {
      hashes: Uint32Array.from([...set].sort((a, b) => a - b)),
      tokenCount: example.tokens.length,
      spam: example.spam,
      ...(example.weight === undefined ? {} : { weight: example.weight }),
    };
  });
}

export interface HashedExample {
  readonly hashes: Uint32Array;
  /** Distinct tokens of the message (known to the model or not): the length normaliser's n. */
  readonly tokenCount: number;
  readonly spam: boolean;
  readonly weight?: number;
}

/**
 * Fits the weights. `appended` counts trailing examples added to a training set that was
 * fitted before (a retrain's submissions): the SGD visits the other examples in exactly the
 * order it would without them and slots the appended ones in between at seeded positions. A
 * few added examples then change the fit by what they teach, not by reshuffling the visiting
 * order of every example, which alone moves the model as much as a new seed does. With none
 * appended the fit is the one it always was.
 */
export function fitLogistic(
  examples: readonly HashedExample[],
  options: TrainOptions,
  appended = 0,
): FittedWeights {
  if (!Number.isInteger(appended) || appended < 0 || appended > examples.length)
    throw new RangeError(`appended must be 0..${examples.length}`);
  // Vocabulary: hashes seen in at least minDocs examples, indexed in ascending hash order.
  const docCounts = new Map<number, number>();
  for (const example of examples) {
    for (const hash of example.hashes) docCounts.set(hash, (docCounts.get(hash) ?? 0) + 1);
  }
  const vocabulary = [...docCounts.entries()]
    .filter(([, count]) => count >= options.minDocs)
    .map(([hash]) => hash)
    .sort((a, b) => a - b);
  const index = new Map<number, number>();
  for (let i = 0; i < vocabulary.length; i++) index.set(vocabulary[i] as number, i);
  const rows = examples.map((example) => {
    const row: number[] = [];
    for (const hash of example.hashes) {
      const i = index.get(hash);
      if (i !== undefined) row.push(i);
    }
    return Int32Array.from(row);
  });

  // `ensemble` runs with different seeds, averaged: one linear model, less variance.
  const runs = Math.max(1, Math.floor(options.ensemble));
  const weights = new Float64Array(vocabulary.length);
  let bias = 0;
  for (let run = 0; run < runs; run++) {
    const fitted = sgd(examples, rows, vocabulary.length, options, options.seed + run, appended);
    for (let j = 0; j < weights.length; j++)
      weights[j] = (weights[j] as number) + (fitted.weights[j] as number) / runs;
    bias += fitted.bias / runs;
  }

  const kept: number[] = [];
  for (let j = 0; j < vocabulary.length; j++) {
    if (Math.abs(weights[j] as number) >= options.pruneBelow) kept.push(j);
  }
  return {
    bias,
    hashes: Uint32Array.from(kept.map((j) => vocabulary[j] as number)),
    weights: Float32Array.from(kept.map((j) => weights[j] as number)),
  };
}

function sgd(
  examples: readonly HashedExample[],
  rows: readonly Int32Array[],
  features: number,
  options: TrainOptions,
  seed: number,
  appended: number,
): { bias: number; weights: Float64Array } {
  const weights = new Float64Array(features);
  const squared = new Float64Array(features);
  let bias = 0;
  let biasSquared = 0;
  const random = mulberry32(seed);
  // The appended examples' positions come from a stream of their own, so the others' order
  // draws exactly the numbers it would draw without them.
  const slots = mulberry32(seed ^ 0x5bd1e995);
  const first = examples.length - appended;
  const order = Array.from({ length: first }, (_, i) => i);
  const epsilon = 1e-8;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    let visit = order;
    if (appended > 0) {
      visit = [...order];
      for (let i = first; i < examples.length; i++)
        visit.splice(Math.floor(slots() * (visit.length + 1)), 0, i);
    }
    for (const i of visit) {
      const row = rows[i] as Int32Array;
      const example = examples[i] as HashedExample;
      const x = featureValue(example.tokenCount, options.normTokens);
      let z = 0;
      for (const j of row) z += weights[j] as number;
      z = bias + z * x;
      const p = sigmoid(z);
      const classWeight = example.weight ?? (example.spam ? 1 : options.hamWeight);
      const g = (p - (example.spam ? 1 : 0)) * classWeight;
      biasSquared += g * g;
      bias -= (options.learningRate * g) / Math.sqrt(biasSquared + epsilon);
      for (const j of row) {
        const w = weights[j] as number;
        const grad = g * x + options.l2 * w;
        const sq = (squared[j] as number) + grad * grad;
        squared[j] = sq;
        weights[j] = w - (options.learningRate * grad) / Math.sqrt(sq + epsilon);
      }
    }
  }
  return { bias, weights };
}

/** Log-odds of one hashed example under fitted weights (used for cross-validation). */
export function logitOf(fitted: FittedWeights, example: HashedExample, normTokens: number): number {
  const hashes = example.hashes;
  let z = 0;
  // Both arrays are ascending: merge instead of searching.
  let i = 0;
  let j = 0;
  const model = fitted.hashes;
  while (i < hashes.length && j < model.length) {
    const a = hashes[i] as number;
    const b = model[j] as number;
    if (a === b) {
      z += fitted.weights[j] as number;
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return fitted.bias + z * featureValue(example.tokenCount, normTokens);
}

/**
 * The model from fitted weights: `fitted` is the main classifier (all tokens, or the content
 * part when `header` is given), `header` the header-part classifier.
 */
export function buildModel(
  fitted: FittedWeights,
  normTokens: number,
  calibration: Calibration,
  versionPrefix: string,
  combination?: Combination,
  header?: PartModel,
): StatisticalModel {
  return {
    ...fitted,
    normTokens,
    calibration,
    ...(header === undefined ? {} : { header }),
    ...(combination === undefined ? {} : { combination }),
    version: `${versionPrefix}-${fingerprint(fitted, normTokens, calibration, combination, header)}`,
  };
}

/** 8 hex digits identifying the weights and calibration: two artifacts differ iff it differs (nearly). */
export function fingerprint(
  fitted: FittedWeights,
  normTokens: number,
  calibration: Calibration,
  combination?: Combination,
  header?: PartModel,
): string {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    hash ^= value >>> 0;
    hash = Math.imul(hash, 0x01000193);
  };
  const scratch = new DataView(new ArrayBuffer(8));
  const mixDouble = (value: number): void => {
    scratch.setFloat64(0, value, true);
    mix(scratch.getUint32(0, true));
    mix(scratch.getUint32(4, true));
  };
  mixDouble(fitted.bias);
  mixDouble(normTokens);
  for (const h of fitted.hashes) mix(h);
  for (const w of fitted.weights) mixDouble(w);
  mixDouble(calibration.suspectLogit);
  mixDouble(calibration.positiveLogit);
  mixDouble(calibration.minScore);
  if (combination) {
    for (let i = 0; i < combination.rulesVersion.length; i++) mix(combination.rulesVersion.charCodeAt(i));
    mixDouble(combination.bias);
    mixDouble(combination.statWeight);
    mixDouble(combination.logitClamp);
    if (combination.headerWeight !== undefined) mixDouble(combination.headerWeight);
    for (const [id, weight] of [...combination.ruleWeights].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      for (let i = 0; i < id.length; i++) mix(id.charCodeAt(i));
      mixDouble(weight);
    }
    for (const profile of [combination.profiles.normal, combination.profiles.aggressive]) {
      mixDouble(profile.suspectZ);
      mixDouble(profile.positiveZ);
    }
  }
  if (header) {
    mixDouble(header.bias);
    mixDouble(header.normTokens);
    for (const h of header.hashes) mix(h);
    for (const w of header.weights) mixDouble(w);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Small seeded PRNG (mulberry32): deterministic example order without Math.random. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(values: number[], random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i] as number;
    values[i] = values[j] as number;
    values[j] = tmp;
  }
}
