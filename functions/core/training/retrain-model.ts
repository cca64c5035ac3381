import { GraywallError } from '../errors.ts';
import { matchComposites } from '../scan/rules/composite.ts';
import { COMPOSITES } from '../scan/rules/composites.ts';
import { RULES_VERSION } from '../scan/rules/index.ts';
import { fitWithRecipe, type TrainingDocument } from '../scan/statistical/fit-model.ts';
import { type SerializedModel, type StatisticalModel, serializeModel } from '../scan/statistical/model.ts';
import {
  evaluateModel,
  type HeldOutEvaluation,
  type HeldOutExample,
  type ScoringSettings,
} from './evaluate.ts';
import type { MessageFeatures } from './message-features.ts';
import { decidePromotionWithReference, type PromotionDecision } from './promotion.ts';
import { isHeldOutSubmission, type SpamLabel, submissionFold } from './submission-examples.ts';
import type { BaseDocument, TrainingBase } from './training-base.ts';

/**
 * A retrain: a candidate model from the base corpus's TRAIN part plus the trained part of the
 * submissions, fitted with the shipped model's recipe (the same steps as `npm run train` after
 * its grid search: the content and header classifiers cross-validated, the combination layer
 * refitted on their new out-of-fold log-odds, anchors from the new out-of-fold scores), then
 * both the candidate and
 * the model in service scored on the same held-out messages: the corpus TEST split plus the
 * held-out submissions. Pure and deterministic: the same inputs give the same version, byte for
 * byte the same artifact, in any order the submissions come.
 *
 * The combination layer is refitted, not kept: it weighs the classifier's log-odds, and a
 * classifier trained on other data has log-odds on another scale (and the rules' weights
 * should learn from the reported mail too). Keeping the old layer over a new classifier would
 * put score 50 somewhere no cross-validation ever checked.
 */

/**
 * A submission's features, as the scan stage sees its message (see extractMessageFeatures):
 * every token hash of each part (submissions may add features), and the rules that fired
 * (composites are derived).
 */
export interface SubmissionFeatures extends MessageFeatures {
  readonly id: string;
  readonly label: SpamLabel;
  /** What decides held out or trained (see splitSubmissions): the message's digest when known. */
  readonly splitKey?: string;
}

/**
 * A trained submission counts this many times a corpus message of its kind. A submission is
 * mail of this organisation that the model got wrong and a person checked: a few dozen of them
 * must be able to move a model fitted on nearly 5,000 corpus messages, or reporting changes
 * nothing. Not more: one mislabelled report must not outweigh the corpus (and the held-out
 * check refuses a candidate whose false positives rise anyway).
 */
export const SUBMISSION_WEIGHT = 3;

export interface RetrainInput {
  readonly base: TrainingBase;
  readonly submissions: readonly SubmissionFeatures[];
  /** The model in service: the baseline the candidate is compared with. */
  readonly current: StatisticalModel;
  /** The model shipped with the deployment, when another one is in service: compared with too. */
  readonly reference?: StatisticalModel;
  /** Thresholds, profile and rule overrides as configured: evaluation scores as the scan does. */
  readonly scoring: ScoringSettings;
}

export interface RetrainResult {
  readonly candidate: StatisticalModel;
  /** The candidate's artifact, with how it was made in `training`. */
  readonly artifact: SerializedModel;
  readonly evaluation: HeldOutEvaluation;
  readonly baselineEvaluation: HeldOutEvaluation;
  readonly decision: PromotionDecision;
  /** Ids of the submissions trained on, ascending. */
  readonly trained: readonly string[];
  /** Ids of the submissions held out (evaluated on only), ascending. */
  readonly heldOut: readonly string[];
}

/** The training base was made with other rules than the ones running: its rule hits are stale. */
export class StaleTrainingBaseError extends GraywallError {
  override readonly name = 'StaleTrainingBaseError';
}

/**
 * Splits submissions into trained and held out (see isHeldOutSubmission), each ascending by
 * id. The split follows `splitKey` (the message's digest) when there is one: two reports of
 * the same message land on the same side, so a held-out message was never trained on.
 */
export function splitSubmissions<T extends { readonly id: string; readonly splitKey?: string | undefined }>(
  submissions: readonly T[],
): { trained: T[]; heldOut: T[] } {
  const sorted = [...submissions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const held = (s: T) => isHeldOutSubmission(s.splitKey ?? s.id);
  return { trained: sorted.filter((s) => !held(s)), heldOut: sorted.filter(held) };
}

export function retrainModel(input: RetrainInput): RetrainResult {
  const { base, current, scoring } = input;
  if (base.rulesVersion !== RULES_VERSION) {
    throw new StaleTrainingBaseError(
      `the training base was made with ${base.rulesVersion}, the functions run ${RULES_VERSION}: run \`npm run train\` and deploy`,
    );
  }
  const { trained, heldOut } = splitSubmissions(input.submissions);

  // Base TRAIN documents first, in the order `npm run train` saw them (SGD visits examples in
  // a seeded shuffle of their indices), then the trained submissions.
  const docs: TrainingDocument[] = [
    ...base.documents.filter((doc) => !doc.heldOut).map(baseTrainingDocument),
    ...trained.map(
      (s): TrainingDocument => ({
        ...examplesOf(s, s.label === 'spam'),
        kind: kindOf(s.label),
        fold: submissionFold(s.id),
        fired: withComposites(s.rules),
        weight: SUBMISSION_WEIGHT,
        appended: true,
      }),
    ),
  ];
  const fitted = fitWithRecipe(docs, base.recipe);
  const candidate = fitted.model;

  const heldOutSet: HeldOutExample[] = [
    ...base.documents.filter((doc) => doc.heldOut),
    ...heldOut.map((s) => ({
      kind: kindOf(s.label),
      content: s.content,
      header: s.header,
      rules: s.rules,
    })),
  ];
  const evaluation = evaluateModel(candidate, heldOutSet, scoring);
  const baselineEvaluation = evaluateModel(current, heldOutSet, scoring);
  const reference =
    input.reference && input.reference.version !== current.version
      ? { version: input.reference.version, evaluation: evaluateModel(input.reference, heldOutSet, scoring) }
      : undefined;
  const decision = decidePromotionWithReference(evaluation, baselineEvaluation, reference);

  const labels = (list: readonly SubmissionFeatures[]) => ({
    spam: list.filter((s) => s.label === 'spam').length,
    ham: list.filter((s) => s.label === 'ham').length,
  });
  const baseTrain = base.documents.filter((doc) => !doc.heldOut);
  const artifact = serializeModel(candidate, {
    retrainedFrom: current.version,
    base: {
      corpus: base.corpus,
      modelVersion: base.modelVersion,
      rulesVersion: base.rulesVersion,
      messages: {
        spam: baseTrain.filter((d) => d.kind === 'spam').length,
        ham: baseTrain.filter((d) => d.kind !== 'spam').length,
        hardHam: baseTrain.filter((d) => d.kind === 'hard-ham').length,
      },
    },
    recipe: base.recipe,
    submissions: {
      trained: labels(trained),
      heldOut: labels(heldOut),
      weight: SUBMISSION_WEIGHT,
      ids: trained.map((s) => s.id),
    },
    heldOutEvaluation: {
      candidate: evaluation,
      current: baselineEvaluation,
      suspectThreshold: scoring.suspectThreshold,
      positiveThreshold: scoring.positiveThreshold,
      profile: scoring.profile ?? 'normal',
    },
  });
  return {
    candidate,
    artifact,
    evaluation,
    baselineEvaluation,
    decision,
    trained: trained.map((s) => s.id),
    heldOut: heldOut.map((s) => s.id),
  };
}

/**
 * A reported false positive trains and is evaluated as hard ham: legitimate mail that looked
 * like spam to the filter, which is what hard ham is. It then weighs like the corpus's hard ham
 * and sits in the share of hard ham the normal profile's anchor may let through, rather than
 * forcing score 50 above it whatever it costs (as one ordinary ham above every other would).
 */
function kindOf(label: SpamLabel): 'spam' | 'hard-ham' {
  return label === 'spam' ? 'spam' : 'hard-ham';
}

function baseTrainingDocument(doc: BaseDocument): TrainingDocument {
  return {
    ...examplesOf(doc, doc.kind === 'spam'),
    kind: doc.kind,
    fold: doc.fold,
    fired: withComposites(doc.rules),
  };
}

/** A message's features as the two classifiers' labelled examples. */
function examplesOf(
  features: MessageFeatures,
  spam: boolean,
): Pick<TrainingDocument, 'example' | 'headerExample'> {
  return {
    example: { hashes: features.content.hashes, tokenCount: features.content.tokenCount, spam },
    headerExample: { hashes: features.header.hashes, tokenCount: features.header.tokenCount, spam },
  };
}

/** The rules and the default composites they make up, as `npm run train` counts them. */
function withComposites(rules: readonly string[]): string[] {
  const fired = new Set(rules);
  for (const composite of matchComposites(fired, COMPOSITES)) fired.add(composite.id);
  return [...fired];
}
