import { headerPoints, statisticalPoints, tenthsOf } from '../scan/combine.ts';
import { matchComposites, mergeComposites } from '../scan/rules/composite.ts';
import { COMPOSITES } from '../scan/rules/composites.ts';
import { RULES } from '../scan/rules/index.ts';
import type { Rule } from '../scan/rules/rule.ts';
import { pointsOf, type ScanSettings } from '../scan/scan-message.ts';
import { scoreForLogit } from '../scan/statistical/classify.ts';
import type { ExampleKind } from '../scan/statistical/fit-model.ts';
import type { StatisticalModel } from '../scan/statistical/model.ts';
import { type HashedExample, logitOf } from '../scan/statistical/train.ts';
import type { Thresholds } from '../scan/types.ts';
import { clampScore } from '../scan/verdict.ts';
import type { MessageFeatures, TokenFeatures } from './message-features.ts';

/**
 * Scores held-out messages from their features (hashed tokens of each part and the rules that
 * fired), the way the scan stage scores the message itself: the content and header
 * classifiers' points under the model's combination and the chosen profile (a model of one
 * classifier weighs both parts' tokens together), each rule's and composite's configured,
 * learned or default points, summed in tenths as the scan sums them and clamped to 0-100,
 * decisive signals winning. Only hash collisions between distinct tokens (which the scan
 * counts twice) can differ from `scanParsedMessage`.
 */
export interface HeldOutExample extends MessageFeatures {
  readonly kind: ExampleKind;
}

/** How the scan is configured: thresholds, profile, rule score overrides, extra composites. */
export type ScoringSettings = Thresholds & Pick<ScanSettings, 'profile' | 'ruleScores' | 'composites'>;

/**
 * One model's figures on a held-out set, at the configured thresholds. Rates are shares of
 * the messages of that kind (0 when there are none). Model version records store it as is
 * (ModelEvaluation in functions/app/model-versions.ts).
 */
export interface HeldOutEvaluation {
  /** Held-out messages by kind. */
  readonly spam: number;
  readonly ham: number;
  readonly hardHam: number;
  /** Share of held-out spam scoring at or above the suspect / positive threshold. */
  readonly recallSuspect: number;
  readonly recallPositive: number;
  /** Share of held-out ham (easy / hard) scoring at or above the suspect threshold. */
  readonly falsePositiveRate: number;
  readonly hardHamFalsePositiveRate: number;
}

const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((rule) => [rule.id, rule]));

export function scoreExample(
  model: StatisticalModel,
  example: MessageFeatures,
  settings: ScoringSettings,
): number {
  const scan: ScanSettings = { ...settings, model };
  const profile = settings.profile ?? 'normal';
  const { combination, header } = model;
  // As classifyTokens: a split model weighs each part with its classifier, another all tokens.
  const logit = logitOf(model, hashed(header ? example.content : allTokens(example)), model.normTokens);
  // In tenths, as the scan adds its reasons (see tenthsOf).
  let tenths = tenthsOf(
    combination ? statisticalPoints(combination, profile, logit) : scoreForLogit(model, logit),
  );
  if (combination && header) {
    tenths += tenthsOf(
      headerPoints(combination, profile, logitOf(header, hashed(example.header), header.normTokens)),
    );
  }
  const decisive: number[] = [];
  const fired = new Set<string>();
  for (const id of example.rules) {
    const rule = RULES_BY_ID.get(id);
    if (!rule) continue;
    fired.add(id);
    const points = pointsOf(id, rule, scan, profile);
    if (rule.group === 'test' || id === 'SES_VIRUS_VERDICT_FAIL') decisive.push(points);
    tenths += tenthsOf(points);
  }
  for (const composite of matchComposites(fired, mergeComposites(COMPOSITES, settings.composites))) {
    tenths += tenthsOf(pointsOf(composite.id, composite, scan, profile));
  }
  return Math.max(clampScore(tenths / 10), 0, ...decisive.map(clampScore));
}

function hashed(features: TokenFeatures): HashedExample {
  return { hashes: features.hashes, tokenCount: features.tokenCount, spam: false };
}

/**
 * Both parts' tokens as one set, for a model of one classifier over all tokens. The parts
 * partition the message's tokens, so the counts add up; a hash in both parts (two distinct
 * tokens colliding) is kept once, as hashing the whole set would.
 */
function allTokens(example: MessageFeatures): TokenFeatures {
  const merged = new Set([...example.content.hashes, ...example.header.hashes]);
  return {
    hashes: Uint32Array.from([...merged].sort((a, b) => a - b)),
    tokenCount: example.content.tokenCount + example.header.tokenCount,
  };
}

export function evaluateModel(
  model: StatisticalModel,
  examples: readonly HeldOutExample[],
  settings: ScoringSettings,
): HeldOutEvaluation {
  const tally = {
    spam: { n: 0, suspect: 0, positive: 0 },
    'easy-ham': { n: 0, suspect: 0, positive: 0 },
    'hard-ham': { n: 0, suspect: 0, positive: 0 },
  };
  for (const example of examples) {
    const score = scoreExample(model, example, settings);
    const t = tally[example.kind];
    t.n++;
    if (score >= settings.suspectThreshold) t.suspect++;
    if (score >= settings.positiveThreshold) t.positive++;
  }
  const share = (k: number, n: number): number => (n === 0 ? 0 : k / n);
  return {
    spam: tally.spam.n,
    ham: tally['easy-ham'].n,
    hardHam: tally['hard-ham'].n,
    recallSuspect: share(tally.spam.suspect, tally.spam.n),
    recallPositive: share(tally.spam.positive, tally.spam.n),
    falsePositiveRate: share(tally['easy-ham'].suspect, tally['easy-ham'].n),
    hardHamFalsePositiveRate: share(tally['hard-ham'].suspect, tally['hard-ham'].n),
  };
}
