import type { ParsedMessage } from '../mime/parse-message.ts';
import { evidence } from '../scan/rules/rule.ts';
import type { Reason, RuleGroup } from '../scan/types.ts';
import { viewMessage } from './graymail-view.ts';
import { type CategoryWeights, GRAYMAIL_CLASSES, type GraymailClass, type GraymailSignal } from './signal.ts';
import { GRAYMAIL_SIGNALS } from './signals/index.ts';

export type GraymailCategory = 'marketing' | 'social' | 'bulk' | 'none';
export type { GraymailClass } from './signal.ts';

export interface GraymailResult {
  readonly category: GraymailCategory;
  /**
   * The signals behind the decision, highest contribution first; `score` is the signal's
   * weight toward the category decided (for "none": toward the category that came closest,
   * so suppressing signals show as negative contributions).
   */
  readonly reasons: readonly Reason[];
}

/** Everything `classifyGraymail` weighed, for diagnostics, tests and the benchmark. */
export interface GraymailAssessment extends GraymailResult {
  /** Sum of the fired signals' weights per category. */
  readonly scores: Readonly<Record<GraymailClass, number>>;
  /** Whether any fired signal is evidence of automated sending (required for graymail). */
  readonly automated: boolean;
  /** Ids of every signal that fired, in signal order. */
  readonly fired: readonly string[];
}

export interface GraymailSettings {
  /** Score a category must reach for a message to be put in it. */
  readonly thresholds: Readonly<Record<GraymailClass, number>>;
  /** Weight overrides by signal id; categories not given keep the signal's default weight. */
  readonly weights: Readonly<Record<string, CategoryWeights>>;
  /** Characters of the text body and of the HTML body read (each); the rest is ignored. */
  readonly maxBodyChars: number;
}

export interface GraymailSettingsInput {
  readonly thresholds?: Readonly<Partial<Record<GraymailClass, number>>>;
  readonly weights?: Readonly<Record<string, CategoryWeights>>;
  readonly maxBodyChars?: number;
}

export const DEFAULT_GRAYMAIL_SETTINGS: GraymailSettings = {
  thresholds: { marketing: 6, social: 6, bulk: 5 },
  weights: {},
  maxBodyChars: 64 * 1024,
};

const MIN_BODY_CHARS = 1_024;
const MAX_BODY_CHARS = 4 * 1024 * 1024;

/**
 * Reason id recorded when a message scored as graymail but nothing in it shows automated
 * sending: a person writing from a brand or a social network, which stays "none".
 */
export const NO_AUTOMATION_EVIDENCE = 'NO_AUTOMATION_EVIDENCE';

/**
 * Validates settings up front (limits are checked, not falsy-coalesced): a bad config must
 * fail at load time, not classify every message oddly.
 */
export function resolveGraymailSettings(input: GraymailSettingsInput = {}): GraymailSettings {
  const thresholds = { ...DEFAULT_GRAYMAIL_SETTINGS.thresholds, ...input.thresholds };
  for (const category of GRAYMAIL_CLASSES) {
    const value = thresholds[category];
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`graymail threshold for ${category} must be a positive number, got ${value}`);
    }
  }
  const known = new Set(GRAYMAIL_SIGNALS.map((signal) => signal.id));
  const weights = input.weights ?? {};
  for (const [id, override] of Object.entries(weights)) {
    if (!known.has(id)) throw new RangeError(`unknown graymail signal in weights: ${id}`);
    for (const [category, value] of Object.entries(override)) {
      if (!GRAYMAIL_CLASSES.includes(category as GraymailClass) || !Number.isFinite(value)) {
        throw new RangeError(`invalid graymail weight ${id}.${category}: ${value}`);
      }
    }
  }
  const maxBodyChars = input.maxBodyChars ?? DEFAULT_GRAYMAIL_SETTINGS.maxBodyChars;
  if (!Number.isInteger(maxBodyChars) || maxBodyChars < MIN_BODY_CHARS || maxBodyChars > MAX_BODY_CHARS) {
    throw new RangeError(
      `graymail maxBodyChars must be an integer from ${MIN_BODY_CHARS} to ${MAX_BODY_CHARS}, got ${maxBodyChars}`,
    );
  }
  return { thresholds, weights, maxBodyChars };
}

/**
 * Sorts wanted-once mail into marketing, social and bulk; everything else is "none".
 *
 * Every signal that fires adds its weight to each category's score. A category is decided
 * when its score reaches its threshold and at least one fired signal is evidence of automated
 * sending; social also needs a social network sender. Social wins when decided (networks
 * send with the same list headers as everyone else); between marketing and bulk the higher
 * score wins. On a tie, a fired signal that counts more for marketing than for bulk (a sale
 * in the subject, a discount code) decides for marketing: the two scores share the list and
 * sender evidence, so what is left to tell them apart is the promotion. Else bulk.
 * Transactional mail, machine replies and conversation replies fire
 * signals with negative weights that pull the scores below the thresholds.
 */
/** `skip`: categories a message filter exempts the message from; it can still fall in another. */
export function classifyGraymail(
  message: ParsedMessage,
  settings?: GraymailSettingsInput,
  skip: readonly GraymailClass[] = [],
): GraymailResult {
  const { category, reasons } = assessGraymail(message, settings, skip);
  return { category, reasons };
}

export function assessGraymail(
  message: ParsedMessage,
  settingsInput?: GraymailSettingsInput,
  skip: readonly GraymailClass[] = [],
): GraymailAssessment {
  const settings =
    settingsInput === undefined ? DEFAULT_GRAYMAIL_SETTINGS : resolveGraymailSettings(settingsInput);
  const view = viewMessage(message, settings.maxBodyChars);
  const fired: Array<{ signal: GraymailSignal; weights: CategoryWeights; evidence: string }> = [];
  for (const signal of GRAYMAIL_SIGNALS) {
    const match = signal.detect(view);
    if (match !== null) {
      fired.push({ signal, weights: { ...signal.weights, ...settings.weights[signal.id] }, evidence: match });
    }
  }
  const scores = { marketing: 0, social: 0, bulk: 0 };
  for (const { weights } of fired) {
    for (const category of GRAYMAIL_CLASSES) scores[category] += weights[category] ?? 0;
  }
  const automated = fired.some(({ signal }) => signal.automated);
  const social = fired.some(({ signal }) => signal.id === 'SOCIAL_SENDER_DOMAIN');
  const reached = (category: GraymailClass): boolean => scores[category] >= settings.thresholds[category];
  const eligible = (category: GraymailClass): boolean =>
    automated && reached(category) && (category !== 'social' || social) && !skip.includes(category);

  let category: GraymailCategory = 'none';
  if (eligible('social')) category = 'social';
  else if (eligible('marketing') && eligible('bulk'))
    category =
      scores.marketing > scores.bulk ||
      (scores.marketing === scores.bulk &&
        fired.some(({ weights }) => (weights.marketing ?? 0) > (weights.bulk ?? 0)))
        ? 'marketing'
        : 'bulk';
  else if (eligible('marketing')) category = 'marketing';
  else if (eligible('bulk')) category = 'bulk';

  const explained: GraymailClass = category === 'none' ? closest(scores, settings) : category;
  const reasons: Reason[] = fired
    .filter(({ weights }) => (weights[explained] ?? 0) !== 0)
    .map(({ signal, weights, evidence: matched }) => ({
      id: signal.id,
      group: signal.group,
      description: signal.description,
      score: weights[explained] ?? 0,
      evidence: evidence(matched),
    }))
    .sort((a, b) => b.score - a.score);
  if (category === 'none' && !automated && GRAYMAIL_CLASSES.some(reached)) {
    reasons.push({
      id: NO_AUTOMATION_EVIDENCE,
      group: 'header',
      description: 'Nothing shows automated or bulk sending: treated as person-to-person mail',
      score: 0,
    });
  }
  return { category, reasons, scores, automated, fired: fired.map(({ signal }) => signal.id) };
}

/** The category whose score came nearest its threshold (ties: social, marketing, bulk). */
function closest(scores: Record<GraymailClass, number>, settings: GraymailSettings): GraymailClass {
  let best: GraymailClass = 'social';
  for (const category of ['marketing', 'bulk'] as const) {
    if (scores[category] - settings.thresholds[category] > scores[best] - settings.thresholds[best])
      best = category;
  }
  return best;
}

/** What a signal is, without its code: for docs, the CLI and tests to enumerate. */
export interface GraymailSignalInfo {
  readonly id: string;
  readonly group: RuleGroup;
  readonly description: string;
  readonly weights: CategoryWeights;
  readonly automated: boolean;
}

export const GRAYMAIL_SIGNAL_INFO: readonly GraymailSignalInfo[] = GRAYMAIL_SIGNALS.map(
  ({ id, group, description, weights, automated }) => ({ id, group, description, weights, automated }),
);
