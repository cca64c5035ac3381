import type { ParsedMessage } from '../../mime/parse-message.ts';
import { evidence } from '../rules/rule.ts';
import type { Reason } from '../types.ts';
import { featureValue, hashToken, type PartModel, type StatisticalModel, weightOf } from './model.ts';
import { DEFAULT_TOKENIZER_LIMITS, splitTokens, type TokenizerLimits, tokenizeMessage } from './tokenize.ts';

export interface TokenWeight {
  readonly token: string;
  readonly weight: number;
}

/** One classifier's opinion. */
export interface PartClassification {
  /** Log-odds of spam: bias plus the weights of the tokens present. */
  readonly logit: number;
  readonly probability: number;
  /** The tokens that pushed hardest towards spam, strongest first. */
  readonly spamTokens: readonly TokenWeight[];
  /** The tokens that pushed hardest towards ham, strongest first. */
  readonly hamTokens: readonly TokenWeight[];
  /** Tokens this classifier weighed (its part's, when the model is split). */
  readonly tokenCount: number;
}

/**
 * The main classifier's opinion (all tokens, or the content part), and the header
 * classifier's when the model has one.
 */
export interface Classification extends PartClassification {
  /** Contribution of the main classifier alone to the 0-100 score (see Calibration). */
  readonly score: number;
  readonly header?: PartClassification;
}

const TOP_TOKENS = 5;

/**
 * Pure and deterministic: the same tokens and model always give the same result. With a
 * header classifier, each token is weighed by the classifier of its part (`tokenPart`).
 */
export function classifyTokens(model: StatisticalModel, tokens: readonly string[]): Classification {
  if (!model.header) {
    const main = classifyPart(model, tokens);
    return { ...main, score: scoreForLogit(model, main.logit) };
  }
  const { content, header } = splitTokens(tokens);
  const main = classifyPart(model, content);
  return { ...main, score: scoreForLogit(model, main.logit), header: classifyPart(model.header, header) };
}

function classifyPart(part: PartModel, tokens: readonly string[]): PartClassification {
  const scale = featureValue(tokens.length, part.normTokens);
  let sum = 0;
  const spam: TokenWeight[] = [];
  const ham: TokenWeight[] = [];
  for (const token of tokens) {
    const weight = weightOf(part, hashToken(token));
    if (weight === 0) continue;
    sum += weight;
    keepTop(weight > 0 ? spam : ham, { token, weight: weight * scale });
  }
  const logit = part.bias + sum * scale;
  return {
    logit,
    probability: 1 / (1 + Math.exp(-logit)),
    spamTokens: spam,
    hamTokens: ham,
    tokenCount: tokens.length,
  };
}

export function classifyMessage(
  model: StatisticalModel,
  message: ParsedMessage,
  limits: TokenizerLimits = DEFAULT_TOKENIZER_LIMITS,
): Classification {
  return classifyTokens(model, tokenizeMessage(message, limits));
}

/** Maps log-odds to the 0-100 scale: suspectLogit → 50, positiveLogit → 90, linear, clamped. */
export function scoreForLogit(model: StatisticalModel, logit: number): number {
  const { suspectLogit, positiveLogit, minScore } = model.calibration;
  const score = 50 + (40 * (logit - suspectLogit)) / (positiveLogit - suspectLogit);
  if (Number.isNaN(score)) return 0;
  return Math.round(Math.min(100, Math.max(minScore, score)));
}

/**
 * The classifier's opinion as a reason: STATISTICAL_SPAM (positive contribution) or
 * STATISTICAL_HAM (zero or negative), with the probability in the description and the
 * strongest tokens as evidence, e.g. `spam: subject:free(+1.9), url:ip(+1.2); ham: ...`.
 */
export function statisticalReason(model: StatisticalModel, result: Classification): Reason {
  const what = model.header ? 'Statistical classifier of the content' : 'Statistical classifier';
  return partReason(
    result,
    result.score,
    ['STATISTICAL_SPAM', 'STATISTICAL_HAM'],
    `${what} (${model.version}): spam probability ${percentOf(result.probability)}%`,
  );
}

/**
 * The header classifier's opinion as a reason: STATISTICAL_HEADERS_SPAM (positive points) or
 * STATISTICAL_HEADERS_HAM, with the header tokens that weighed most as evidence. Its points
 * come from the combination layer (`headerPoints`).
 */
export function headerStatisticalReason(
  model: StatisticalModel,
  header: PartClassification,
  points: number,
): Reason {
  return partReason(
    header,
    points,
    ['STATISTICAL_HEADERS_SPAM', 'STATISTICAL_HEADERS_HAM'],
    `Statistical classifier of the header fields (${model.version}): spam probability ${percentOf(header.probability)}%`,
  );
}

function partReason(
  result: PartClassification,
  score: number,
  [spamId, hamId]: readonly [string, string],
  description: string,
): Reason {
  const spamSide = score > 0;
  const shown = [
    ...(result.spamTokens.length > 0 ? [`spam: ${formatTokens(result.spamTokens)}`] : []),
    ...(result.hamTokens.length > 0 ? [`ham: ${formatTokens(result.hamTokens)}`] : []),
  ];
  const ordered = spamSide ? shown : shown.reverse();
  return {
    id: spamSide ? spamId : hamId,
    group: 'statistical',
    description,
    score,
    ...(ordered.length > 0 ? { evidence: evidence(ordered.join('; ')) } : {}),
  };
}

function percentOf(probability: number): string {
  return (probability * 100).toFixed(probability > 0.99 || probability < 0.01 ? 2 : 0);
}

function formatTokens(tokens: readonly TokenWeight[]): string {
  return tokens
    .slice(0, 3)
    .map(({ token, weight }) => `${token.slice(0, 24)}(${weight > 0 ? '+' : ''}${weight.toFixed(1)})`)
    .join(', ');
}

/** Keeps the TOP_TOKENS largest |weight| entries, sorted, ties broken by token for determinism. */
function keepTop(list: TokenWeight[], entry: TokenWeight): void {
  const strength = Math.abs(entry.weight);
  if (list.length === TOP_TOKENS && strength <= Math.abs((list.at(-1) as TokenWeight).weight)) return;
  let i = list.length;
  while (i > 0) {
    const previous = list[i - 1] as TokenWeight;
    const stronger =
      Math.abs(previous.weight) > strength ||
      (Math.abs(previous.weight) === strength && previous.token < entry.token);
    if (stronger) break;
    i--;
  }
  list.splice(i, 0, entry);
  if (list.length > TOP_TOKENS) list.pop();
}
