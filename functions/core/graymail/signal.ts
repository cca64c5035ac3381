import type { RuleGroup } from '../scan/types.ts';
import type { GraymailView } from './graymail-view.ts';

/** The graymail categories a signal can vote for ("none" is the absence of a vote). */
export type GraymailClass = 'marketing' | 'social' | 'bulk';

export const GRAYMAIL_CLASSES: readonly GraymailClass[] = ['marketing', 'social', 'bulk'];

/** A signal's contribution to each category's score; a missing category counts 0. */
export type CategoryWeights = Readonly<Partial<Record<GraymailClass, number>>>;

/**
 * A graymail signal is data plus one small pure function, like a spam rule. `detect` returns
 * the evidence (the matched header or phrase) when the signal fires and `null` when it does
 * not. Weights are defaults: settings may override them by id.
 */
export interface GraymailSignal {
  /** UPPER_SNAKE, stable across versions: tracking records and admins search for it. */
  readonly id: string;
  readonly group: RuleGroup;
  readonly description: string;
  readonly weights: CategoryWeights;
  /**
   * Evidence that a machine, not a person, sent the message (list headers, ESP headers, an
   * automated sender address, "view in browser"...). No message is graymail without at least
   * one: a person writing from a brand that also sends newsletters stays "none".
   */
  readonly automated: boolean;
  readonly detect: (view: GraymailView) => string | null;
}

/** The first value of `name` that matches `pattern`, as `Name: value` evidence, or null. */
export function headerMatching(view: GraymailView, name: string, pattern?: RegExp): string | null {
  for (const value of view.headers.get(name) ?? []) {
    if (pattern === undefined || pattern.test(value)) return `${name}: ${value}`;
  }
  return null;
}

/** The first header field whose name is listed or starts with a listed prefix (`x-mailgun-`). */
export function headerNamed(view: GraymailView, names: readonly string[]): string | null {
  for (const [key, values] of view.headers) {
    for (const name of names) {
      if (name.endsWith('-') ? key.startsWith(name) : key === name) return `${key}: ${values[0] ?? ''}`;
    }
  }
  return null;
}

/** The first pattern's match in `text`, or null. Patterns must be linear (no nested quantifiers). */
export function firstMatch(text: string, patterns: readonly RegExp[]): string | null {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return match[0];
  }
  return null;
}

/** The distinct patterns matching `text`, up to `enough` of them. */
export function matchesOf(text: string, patterns: readonly RegExp[], enough: number): string[] {
  const found: string[] = [];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) {
      found.push(match[0]);
      if (found.length >= enough) break;
    }
  }
  return found;
}

/** The From domain or the parent of it that is listed (`mail.instagram.com` → instagram.com). */
export function listedDomain(domain: string, listed: ReadonlySet<string>): string | undefined {
  let candidate = domain;
  for (let depth = 0; depth < 10 && candidate.includes('.'); depth++) {
    if (listed.has(candidate)) return candidate;
    candidate = candidate.slice(candidate.indexOf('.') + 1);
  }
  return undefined;
}

/** Evidence for a matched phrase: `Subject: "30% off"`; null stays null. */
export function quoted(where: string, match: string | null): string | null {
  return match === null ? null : `${where}: "${match}"`;
}
