import { headerValues } from '../../../mime/raw-message.ts';
import type { RuleGroup } from '../../types.ts';
import { evidence, type Rule, type RuleMatch, type ScanContext } from '../rule.ts';
import { splitWords, VIEW_LIMITS, viewOf } from './message-view.ts';

/**
 * Declarative rule shapes: a header pattern, a phrase list. Each builds an ordinary Rule.
 * Patterns run only over values already cut to VIEW_LIMITS.headerChars; phrase lists use
 * indexOf with word-boundary checks, never a regular expression over body text.
 */
interface RuleData {
  readonly id: string;
  readonly group: RuleGroup;
  readonly description: string;
  readonly score: number;
}

export interface HeaderPatternRule extends RuleData {
  /** Header field names (case-insensitive); every copy of each is tested, top first. */
  readonly headers: readonly string[];
  /** Must be linear: no nested quantifiers, no backreferences. */
  readonly pattern: RegExp;
}

export function headerPatternRule(spec: HeaderPatternRule): Rule {
  const { headers, pattern, ...data } = spec;
  return {
    ...data,
    patterns: [pattern],
    check: ({ message }) => {
      for (const name of headers) {
        for (const value of headerValues(message.header, name)) {
          const cut = value.slice(0, VIEW_LIMITS.headerChars);
          if (pattern.test(cut)) return { evidence: evidence(`${name}: ${cut}`) };
        }
      }
      return null;
    },
  };
}

export interface PhraseRule extends RuleData {
  /**
   * Lowercase phrases of whole words: the text is split into words at white space and
   * sentence punctuation is stripped from each word's ends (as `splitWords` does), then the
   * phrase's words must follow one another.
   */
  readonly phrases: readonly string[];
  /** Where to look: the visible body text or the subject. */
  readonly where: 'body' | 'subject';
  /** Distinct phrases that must be found for the rule to fire (default 1). */
  readonly minMatches?: number;
}

export function phraseRule(spec: PhraseRule): Rule {
  const { phrases, where, minMatches = 1, ...data } = spec;
  const split = phrases.map((phrase) => ({ phrase, words: splitWords(phrase, 20) }));
  return {
    ...data,
    check: (context) => {
      const view = viewOf(context.message, context.raw);
      let words: readonly string[];
      let index: ReadonlyMap<string, readonly number[]>;
      if (where === 'subject') {
        words = splitWords(view.subject.replace(/\s+/g, ' ').toLowerCase(), 200);
        index = indexOf(words);
      } else {
        words = view.words;
        index = view.wordIndex;
      }
      const found: string[] = [];
      for (const { phrase, words: phraseWords } of split) {
        if (containsWords(words, index, phraseWords)) {
          found.push(phrase);
          if (found.length >= Math.max(minMatches, 3)) break;
        }
      }
      return found.length >= minMatches ? { evidence: evidence(found.join(', ')) } : null;
    },
  };
}

/** The phrase's words occur one after another in `words`. */
export function containsWords(
  words: readonly string[],
  index: ReadonlyMap<string, readonly number[]>,
  phrase: readonly string[],
): boolean {
  const first = phrase[0];
  if (first === undefined) return false;
  for (const at of index.get(first) ?? []) {
    let i = 1;
    while (i < phrase.length && words[at + i] === phrase[i]) i++;
    if (i === phrase.length) return true;
  }
  return false;
}

function indexOf(words: readonly string[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  words.forEach((word, i) => {
    const positions = index.get(word);
    if (positions) positions.push(i);
    else index.set(word, [i]);
  });
  return index;
}

/** A rule over a computed value: fires with the value as evidence when `test` returns a string. */
export function computedRule(
  data: RuleData & { readonly patterns?: readonly RegExp[] },
  test: (context: ScanContext) => string | null | undefined | false,
): Rule {
  return {
    ...data,
    check: (context): RuleMatch | null => {
      const found = test(context);
      return found ? { evidence: evidence(found) } : null;
    },
  };
}
