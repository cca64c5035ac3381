import type { ParsedMessage } from '../mime/parse-message.ts';
import { classifyGraymail, type GraymailCategory, type GraymailSettingsInput } from './classify-graymail.ts';

export const GRAYMAIL_CATEGORIES: readonly GraymailCategory[] = ['marketing', 'social', 'bulk', 'none'];

export interface GraymailSample {
  /** The category a person assigned. */
  readonly label: GraymailCategory;
  readonly message: ParsedMessage;
  /** Shown with misclassifications (a fixture path, for instance). */
  readonly name?: string;
}

export interface CategoryFigures {
  /** Samples labelled with this category. */
  readonly support: number;
  /** Samples the classifier put in this category. */
  readonly predicted: number;
  /** Samples labelled and predicted with this category. */
  readonly correct: number;
  /** correct / predicted; null when nothing was predicted as this category. */
  readonly precision: number | null;
  /** correct / support; null when no sample carries this label. */
  readonly recall: number | null;
}

export interface Misclassification {
  readonly name: string | undefined;
  readonly label: GraymailCategory;
  readonly predicted: GraymailCategory;
  readonly reasonIds: readonly string[];
}

export interface GraymailEvaluation {
  readonly total: number;
  readonly correct: number;
  /** correct / total; null for an empty sample set. */
  readonly accuracy: number | null;
  readonly categories: Readonly<Record<GraymailCategory, CategoryFigures>>;
  /** confusion[label][predicted]: how many samples with that label got that category. */
  readonly confusion: Readonly<Record<GraymailCategory, Readonly<Record<GraymailCategory, number>>>>;
  /**
   * Messages labelled "none" (transactional, person-to-person) that were classified as
   * graymail: the costly error, since graymail policies may drop or quarantine.
   */
  readonly noneAsGraymail: number;
  readonly misclassified: readonly Misclassification[];
}

/** Classifies every sample and scores the result against the labels. Pure: no I/O, no clock. */
export function evaluateGraymail(
  samples: readonly GraymailSample[],
  settings?: GraymailSettingsInput,
): GraymailEvaluation {
  const confusion = emptyConfusion();
  const misclassified: Misclassification[] = [];
  for (const sample of samples) {
    const result = classifyGraymail(sample.message, settings);
    confusion[sample.label][result.category]++;
    if (result.category !== sample.label) {
      misclassified.push({
        name: sample.name,
        label: sample.label,
        predicted: result.category,
        reasonIds: result.reasons.map((reason) => reason.id),
      });
    }
  }
  const categories = {} as Record<GraymailCategory, CategoryFigures>;
  let correct = 0;
  for (const category of GRAYMAIL_CATEGORIES) {
    const support = sum(GRAYMAIL_CATEGORIES.map((predicted) => confusion[category][predicted]));
    const predicted = sum(GRAYMAIL_CATEGORIES.map((label) => confusion[label][category]));
    const hits = confusion[category][category];
    correct += hits;
    categories[category] = {
      support,
      predicted,
      correct: hits,
      precision: predicted === 0 ? null : hits / predicted,
      recall: support === 0 ? null : hits / support,
    };
  }
  return {
    total: samples.length,
    correct,
    accuracy: samples.length === 0 ? null : correct / samples.length,
    categories,
    confusion,
    noneAsGraymail: sum(graymailOf(confusion.none)),
    misclassified,
  };
}

/**
 * A plain-text report: the confusion matrix (rows: label, columns: predicted), per-category
 * precision and recall, and overall accuracy. Used by the fixture test and the benchmark.
 */
export function formatGraymailEvaluation(evaluation: GraymailEvaluation): string {
  const width = 11;
  const cell = (text: string | number): string => String(text).padStart(width);
  const lines = [`${'label \\ got'.padEnd(width)}${GRAYMAIL_CATEGORIES.map(cell).join('')}${cell('recall')}`];
  for (const label of GRAYMAIL_CATEGORIES) {
    const row = GRAYMAIL_CATEGORIES.map((predicted) => cell(evaluation.confusion[label][predicted])).join('');
    lines.push(`${label.padEnd(width)}${row}${cell(percent(evaluation.categories[label].recall))}`);
  }
  lines.push(
    `${'precision'.padEnd(width)}${GRAYMAIL_CATEGORIES.map((c) => cell(percent(evaluation.categories[c].precision))).join('')}`,
  );
  lines.push(
    `accuracy ${percent(evaluation.accuracy)} (${evaluation.correct}/${evaluation.total}); ` +
      `"none" classified as graymail: ${evaluation.noneAsGraymail}`,
  );
  for (const miss of evaluation.misclassified) {
    lines.push(
      `  ${miss.name ?? '(unnamed)'}: ${miss.label} → ${miss.predicted} (${miss.reasonIds.join(', ') || 'no signals'})`,
    );
  }
  return lines.join('\n');
}

function emptyConfusion(): Record<GraymailCategory, Record<GraymailCategory, number>> {
  const row = (): Record<GraymailCategory, number> => ({ marketing: 0, social: 0, bulk: 0, none: 0 });
  return { marketing: row(), social: row(), bulk: row(), none: row() };
}

function graymailOf(row: Record<GraymailCategory, number>): number[] {
  return [row.marketing, row.social, row.bulk];
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}
