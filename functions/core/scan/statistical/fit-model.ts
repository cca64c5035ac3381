import { COMPOSITES } from '../rules/composites.ts';
import { RULES, RULES_VERSION } from '../rules/index.ts';
import { type FittedLayer, fitLayer, type LayerOptions, type LayerRow, layerZ } from './combine-train.ts';
import type { Calibration, Combination, ProfileAnchors, ScanProfile, StatisticalModel } from './model.ts';
import type { TokenPart } from './tokenize.ts';
import {
  buildModel,
  type FittedWeights,
  fitLogistic,
  type HashedExample,
  logitOf,
  type TrainOptions,
} from './train.ts';

/**
 * How a model is fitted from labelled documents once its hyper-parameters are chosen: the two
 * classifiers' out-of-fold log-odds (5-fold cross-validation; one classifier over each
 * document's content tokens, one over its header tokens, see `tokenPart`), the combination
 * layer fitted on both together with the rule hits, the profiles' anchors from the layer's
 * out-of-fold z, and the final classifiers on every document. `npm run train` (bin/train.ts)
 * chooses the hyper-parameters over its grids and then finishes with {@link finishModel}; the
 * retraining job (functions/core/training/) runs the same steps with the shipped model's
 * hyper-parameters ({@link TrainingRecipe}), so a retrain on the base corpus alone reproduces
 * the shipped model bit for bit. Pure and deterministic.
 */

export const FOLDS = 5;
/** Allowed CV false positives on hard ham at the suspect cut: the target is at most 1 in 50. */
export const HARD_HAM_FP_RATE = 0.02;
/** Floor of the classifier-only contribution (the `calibration` kept for the classifier alone). */
export const MIN_SCORE = -10;
/** Margin between a cut and the score-50 anchor, in score points (reasons are rounded to 0.1). */
export const MARGIN_POINTS = 1.5;

/** What a training message is: spam, ordinary ham, or commercial-looking legitimate mail. */
export type ExampleKind = 'spam' | 'easy-ham' | 'hard-ham';

export interface ClassifierPoint {
  readonly options: TrainOptions;
  /** Loss weight of a hard-ham example (commercial-looking legitimate mail). */
  readonly hardHamWeight: number;
}

export interface LayerPoint {
  readonly l2: number;
  readonly logitClamp: number;
  /** Loss weight of hard ham in the layer. */
  readonly hardHamWeight: number;
}

/** The hyper-parameters a model was trained with: enough to train it again on other data. */
export interface TrainingRecipe {
  /** The content classifier's point (the model's main table). */
  readonly classifier: ClassifierPoint;
  /** The header classifier's point (the model's `header` table). */
  readonly header: ClassifierPoint;
  readonly layer: LayerPoint;
  /** A rule or composite must fire on at least this many training messages to get a learned weight. */
  readonly minSupport: number;
  /** Version prefix (e.g. `stat2`), bumped when the tokenizer or the format changes meaning. */
  readonly series: string;
}

export interface TrainingDocument {
  /** Hashed content-part tokens (see `tokenPart`); `example.spam` is the label. */
  readonly example: HashedExample;
  /** Hashed header-part tokens, with the same label. */
  readonly headerExample: HashedExample;
  readonly kind: ExampleKind;
  /** Cross-validation fold, 0 .. FOLDS-1. */
  readonly fold: number;
  /** Ids of the rules and composites that fired. */
  readonly fired: readonly string[];
  /** Multiplies the document's loss weight in the classifier and the layer (default 1). */
  readonly weight?: number;
  /**
   * Added to a set of documents fitted before (a retrain's submissions): listed after all the
   * others, and slotted in between them by the SGD without changing their order (see
   * fitLogistic), so that adding them changes what they teach and nothing else.
   */
  readonly appended?: boolean;
}

export interface CvResult {
  readonly point: ClassifierPoint;
  /** Out-of-fold log-odds of every document. */
  readonly logits: Float64Array;
  /** Spam recall at the cut that keeps easy ham at 0 FP and hard ham at or below 2% FP. */
  readonly recall: number;
  /** Spam recall at the cut that keeps easy ham at 0 FP (hard ham ignored). */
  readonly recallEasyOnly: number;
}

export interface LayerCvResult {
  /** The content classifier's cross-validation. */
  readonly classifier: CvResult;
  /** The header classifier's cross-validation. */
  readonly header: CvResult;
  readonly point: LayerPoint;
  /** Out-of-fold z of every document. */
  readonly z: Float64Array;
  readonly recall: number;
  readonly recallEasyOnly: number;
  /** Spam recall at the normal profile's positive anchor (score 90), out of fold. */
  readonly recallPositive: number;
}

/** The rules and composites that get a learned weight, and which of them fired on each document. */
export interface RuleFeatures {
  /** Every learnable candidate: rules (not test signals or SES verdicts) and composites, with their default score. */
  readonly candidates: readonly { readonly id: string; readonly score: number }[];
  /** Candidates that fired on at least minSupport documents. */
  readonly features: readonly { readonly id: string; readonly score: number }[];
  /** Per candidate: documents it fired on, by kind. */
  readonly support: ReadonlyMap<string, { spam: number; easyHam: number; hardHam: number }>;
  readonly featureIndex: ReadonlyMap<string, number>;
  /** Sign each weight keeps: that of the default score. */
  readonly signs: readonly number[];
  /** Per document: indices of the features that fired, ascending. */
  readonly hits: readonly number[][];
}

export interface FinishedModel {
  readonly model: StatisticalModel;
  /** The content classifier fitted on every document. */
  readonly fitted: FittedWeights;
  /** The header classifier fitted on every document. */
  readonly fittedHeader: FittedWeights;
  readonly calibration: Calibration;
  readonly layer: FittedLayer;
  readonly combination: Combination;
  readonly anchors: Record<ScanProfile, ProfileAnchors>;
}

/** A document's hashed tokens of one part. */
export function exampleOf(doc: TrainingDocument, part: TokenPart): HashedExample {
  return part === 'header' ? doc.headerExample : doc.example;
}

/**
 * Loss weights of one classifier's examples (the documents' tokens of `part`): hard ham and
 * weighted documents count more.
 */
export function weighted(
  docs: readonly TrainingDocument[],
  point: ClassifierPoint,
  part: TokenPart,
): HashedExample[] {
  return docs.map((doc) => {
    const { kind, weight } = doc;
    const example = exampleOf(doc, part);
    if (weight === undefined) {
      return kind === 'hard-ham'
        ? { ...example, weight: point.hardHamWeight * point.options.hamWeight }
        : example;
    }
    const classWeight = example.spam ? 1 : point.options.hamWeight;
    const kindWeight = kind === 'hard-ham' ? point.hardHamWeight : 1;
    return { ...example, weight: weight * classWeight * kindWeight };
  });
}

/** Out-of-fold log-odds of the classifier over the tokens of `part`, with its recall. */
export function crossValidate(
  docs: readonly TrainingDocument[],
  point: ClassifierPoint,
  part: TokenPart,
): CvResult {
  const examples = weighted(docs, point, part);
  const logits = new Float64Array(docs.length);
  for (let fold = 0; fold < FOLDS; fold++) {
    const fitted = fitLogistic(
      examples.filter((_, i) => docs[i]?.fold !== fold),
      point.options,
      appendedCount(docs.filter((doc) => doc.fold !== fold)),
    );
    docs.forEach((doc, i) => {
      if (doc.fold === fold) logits[i] = logitOf(fitted, exampleOf(doc, part), point.options.normTokens);
    });
  }
  const { recall, recallEasyOnly } = recallAtCuts(docs, logits);
  return { point, logits, recall, recallEasyOnly };
}

/** The learnable rules and composites of these documents (see RuleFeatures). */
export function ruleFeatures(docs: readonly TrainingDocument[], minSupport: number): RuleFeatures {
  const support = new Map<string, { spam: number; easyHam: number; hardHam: number }>();
  for (const doc of docs) {
    for (const id of doc.fired) {
      const counts = support.get(id) ?? { spam: 0, easyHam: 0, hardHam: 0 };
      if (doc.kind === 'spam') counts.spam++;
      else if (doc.kind === 'easy-ham') counts.easyHam++;
      else counts.hardHam++;
      support.set(id, counts);
    }
  }
  // Not test signals or SES verdicts: absent from the corpus, and decisive by design.
  const candidates = [
    ...RULES.filter((rule) => rule.group !== 'test' && rule.group !== 'ses').map((r) => ({
      id: r.id,
      score: r.score,
    })),
    ...COMPOSITES.map((c) => ({ id: c.id, score: c.score })),
  ];
  const features = candidates.filter(({ id }) => {
    const c = support.get(id);
    return c !== undefined && c.spam + c.easyHam + c.hardHam >= minSupport;
  });
  const featureIndex = new Map(features.map(({ id }, i) => [id, i]));
  const signs = features.map(({ score }) => (score < 0 ? -1 : 1));
  const hits = docs.map((doc) =>
    doc.fired
      .map((id) => featureIndex.get(id))
      .filter((i): i is number => i !== undefined)
      .sort((a, b) => a - b),
  );
  return { candidates, features, support, featureIndex, signs, hits };
}

export function layerRows(
  docs: readonly TrainingDocument[],
  hits: readonly number[][],
  logits: Float64Array,
  headerLogits: Float64Array,
  point: LayerPoint,
): LayerRow[] {
  return docs.map((doc, i) => ({
    logit: logits[i] as number,
    headerLogit: headerLogits[i] as number,
    hits: hits[i] as number[],
    spam: doc.example.spam,
    weight: (doc.kind === 'hard-ham' ? point.hardHamWeight : 1) * (doc.weight ?? 1),
  }));
}

export function layerOptions(signs: readonly number[], point: LayerPoint): LayerOptions {
  return { l2: point.l2, logitClamp: point.logitClamp, signs };
}

/** Nested: the layer for fold f is fitted on the out-of-fold log-odds of the other folds. */
export function crossValidateLayer(
  docs: readonly TrainingDocument[],
  hits: readonly number[][],
  signs: readonly number[],
  classifier: CvResult,
  header: CvResult,
  point: LayerPoint,
): LayerCvResult {
  const rows = layerRows(docs, hits, classifier.logits, header.logits, point);
  const z = new Float64Array(docs.length);
  for (let fold = 0; fold < FOLDS; fold++) {
    const layer: FittedLayer = fitLayer(
      rows.filter((_, i) => docs[i]?.fold !== fold),
      layerOptions(signs, point),
    );
    rows.forEach((row, i) => {
      if (docs[i]?.fold === fold) z[i] = layerZ(layer, row, point.logitClamp);
    });
  }
  const { recall, recallEasyOnly } = recallAtCuts(docs, z);
  const positiveZ = anchorsFor(docs, z).normal.positiveZ;
  const spam = docs.flatMap((doc, i) => (doc.example.spam ? [z[i] as number] : []));
  const recallPositive = spam.filter((v) => v >= positiveZ).length / spam.length;
  return { classifier, header, point, z, recall, recallEasyOnly, recallPositive };
}

/**
 * The last steps once the classifiers' and the layer's points are chosen (their
 * cross-validation done): the content classifier's calibration (for readers without the
 * combination), the layer on all out-of-fold log-odds of both classifiers, the anchors from the
 * layer's out-of-fold z, and both classifiers fitted on every document.
 */
export function finishModel(
  docs: readonly TrainingDocument[],
  features: RuleFeatures,
  best: LayerCvResult,
  series: string,
): FinishedModel {
  const chosen = best.classifier;
  const chosenHeader = best.header;
  const calibration = calibrate(docs, chosen.logits);
  const layer = fitLayer(
    layerRows(docs, features.hits, chosen.logits, chosenHeader.logits, best.point),
    layerOptions(features.signs, best.point),
  );
  const anchors = anchorsFor(docs, best.z);
  const combination: Combination = {
    rulesVersion: RULES_VERSION,
    bias: layer.bias,
    statWeight: layer.statWeight,
    headerWeight: layer.headerWeight ?? 0,
    logitClamp: best.point.logitClamp,
    ruleWeights: new Map(
      features.features.map(({ id }, j) => [id, round(layer.ruleWeights[j] as number, 6)]),
    ),
    profiles: anchors,
  };
  const appended = appendedCount(docs);
  const fitted = fitLogistic(weighted(docs, chosen.point, 'content'), chosen.point.options, appended);
  const fittedHeader = fitLogistic(
    weighted(docs, chosenHeader.point, 'header'),
    chosenHeader.point.options,
    appended,
  );
  const model = buildModel(fitted, chosen.point.options.normTokens, calibration, series, combination, {
    ...fittedHeader,
    normTokens: chosenHeader.point.options.normTokens,
  });
  return { model, fitted, fittedHeader, calibration, layer, combination, anchors };
}

/** Every step with fixed hyper-parameters: what a retrain runs (no grid search). */
export function fitWithRecipe(
  docs: readonly TrainingDocument[],
  recipe: TrainingRecipe,
): FinishedModel & { readonly features: RuleFeatures; readonly cv: LayerCvResult } {
  const classifier = crossValidate(docs, recipe.classifier, 'content');
  const header = crossValidate(docs, recipe.header, 'header');
  const features = ruleFeatures(docs, recipe.minSupport);
  const cv = crossValidateLayer(docs, features.hits, features.signs, classifier, header, recipe.layer);
  return { ...finishModel(docs, features, cv, recipe.series), features, cv };
}

/** How many documents are appended; they must all come after the others. */
export function appendedCount(docs: readonly TrainingDocument[]): number {
  const first = docs.findIndex((doc) => doc.appended === true);
  if (first === -1) return 0;
  if (docs.slice(first).some((doc) => doc.appended !== true))
    throw new RangeError('appended documents must come after all the others');
  return docs.length - first;
}

export function recallAtCuts(
  docs: readonly TrainingDocument[],
  values: Float64Array,
): { recall: number; recallEasyOnly: number } {
  const { easyCut, jointCut } = cuts(docs, values);
  const spam = docs.flatMap((doc, i) => (doc.example.spam ? [values[i] as number] : []));
  return {
    recall: spam.filter((v) => v > jointCut).length / spam.length,
    recallEasyOnly: spam.filter((v) => v > easyCut).length / spam.length,
  };
}

/** The highest easy-ham value, and the cut that also lets at most 2% of hard ham above it. */
export function cuts(
  docs: readonly TrainingDocument[],
  values: Float64Array,
): { easyCut: number; jointCut: number; hamMax: number } {
  const of = (kind: ExampleKind): number[] =>
    docs.flatMap((doc, i) => (doc.kind === kind ? [values[i] as number] : [])).sort((a, b) => b - a);
  const easy = of('easy-ham');
  const hard = of('hard-ham');
  const easyCut = easy[0] ?? 0;
  const allowed = Math.floor(hard.length * HARD_HAM_FP_RATE);
  const hardCut = hard[allowed] ?? Number.NEGATIVE_INFINITY;
  return { easyCut, jointCut: Math.max(easyCut, hardCut), hamMax: Math.max(easyCut, hard[0] ?? easyCut) };
}

/**
 * The classifier alone (kept in the artifact for readers without the combination): score 50
 * one point above the cut that keeps easy ham at 0 FP and hard ham at <= 2% FP; score 90 one
 * point above the highest cross-validated ham log-odds.
 */
export function calibrate(docs: readonly TrainingDocument[], logits: Float64Array): Calibration {
  const { jointCut, hamMax } = cuts(docs, logits);
  const span = Math.max(1, hamMax - jointCut);
  const point = span / 38;
  const suspectLogit = jointCut + point;
  const positiveLogit = Math.max(hamMax + point, suspectLogit + 40 * point);
  return { suspectLogit: round(suspectLogit), positiveLogit: round(positiveLogit), minScore: MIN_SCORE };
}

/**
 * The profiles' anchors from out-of-fold z:
 * - normal: 50 sits MARGIN_POINTS above the cut that keeps easy ham at 0 FP and hard ham at
 *   <= 2% FP; 90 sits MARGIN_POINTS above the highest ham of any kind (no ham reached 90 in
 *   cross-validation);
 * - aggressive: 50 sits MARGIN_POINTS above the highest easy ham only (hard ham may pass:
 *   more spam caught, more risk on commercial-looking mail); 90 stays where normal has it.
 */
export function anchorsFor(
  docs: readonly TrainingDocument[],
  z: Float64Array,
): Record<ScanProfile, ProfileAnchors> {
  const { easyCut, jointCut, hamMax } = cuts(docs, z);
  const span = Math.max(1, hamMax - jointCut);
  const point = span / (40 - 2 * MARGIN_POINTS);
  const suspectZ = jointCut + MARGIN_POINTS * point;
  const positiveZ = Math.max(hamMax + MARGIN_POINTS * point, suspectZ + 40 * point);
  const aggressivePoint = (positiveZ - easyCut) / (40 + MARGIN_POINTS);
  const aggressiveSuspect = Math.min(suspectZ, easyCut + MARGIN_POINTS * aggressivePoint);
  return {
    normal: { suspectZ: round(suspectZ), positiveZ: round(positiveZ) },
    aggressive: { suspectZ: round(aggressiveSuspect), positiveZ: round(positiveZ) },
  };
}

export function round(value: number, digits = 4): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
