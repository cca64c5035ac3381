/**
 * A composite fires when named rules fire together (rspamd's composites): more than the sum of
 * its parts, e.g. forged headers in two independent places. Data only; the defaults are in
 * composites.ts and config (`antispam.composites`) adds more or replaces them by id.
 */
export interface CompositeRule {
  /** UPPER_SNAKE, distinct from every rule id. */
  readonly id: string;
  readonly description: string;
  /** Default contribution to the score (the learned or configured score replaces it). */
  readonly score: number;
  /** Every one of these rules fired. */
  readonly allOf: readonly string[];
  /** And at least one of these (when given). */
  readonly anyOf?: readonly string[];
  /** And none of these. */
  readonly noneOf?: readonly string[];
}

/** The composites that fire on the set of fired rule ids, in the given order. Composites never nest. */
export function matchComposites(
  fired: ReadonlySet<string>,
  composites: readonly CompositeRule[],
): CompositeRule[] {
  return composites.filter(
    (composite) =>
      composite.allOf.every((id) => fired.has(id)) &&
      (composite.anyOf === undefined ||
        composite.anyOf.length === 0 ||
        composite.anyOf.some((id) => fired.has(id))) &&
      (composite.noneOf === undefined || !composite.noneOf.some((id) => fired.has(id))),
  );
}

/** Evidence for a composite reason: which of its rules fired. */
export function compositeEvidence(composite: CompositeRule, fired: ReadonlySet<string>): string {
  const parts = [...composite.allOf, ...(composite.anyOf ?? []).filter((id) => fired.has(id))];
  return parts.join(' + ');
}

/** Default composites merged with configured ones: a configured id replaces the default of that id. */
export function mergeComposites(
  defaults: readonly CompositeRule[],
  configured: readonly CompositeRule[] | undefined,
): readonly CompositeRule[] {
  if (!configured || configured.length === 0) return defaults;
  const replaced = new Set(configured.map((c) => c.id));
  return [...defaults.filter((c) => !replaced.has(c.id)), ...configured];
}
