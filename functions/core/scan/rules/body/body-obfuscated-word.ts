import { splitWords, viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * Spam words disguised from filters: digits or symbols for letters ("V1AGRA", "FR33",
 * "m0rtgage", "$ave"), separators inside the word ("v-i-a-g-r-a", "f.r.e.e"), or letters
 * spaced out ("F R E E"). A word counts only when its disguised form differs from the plain
 * word, so the plain word (which other rules weigh) does not fire this one.
 */
const WORDS = new Set([
  'viagra',
  'cialis',
  'valium',
  'xanax',
  'vicodin',
  'mortgage',
  'refinance',
  'free',
  'money',
  'cash',
  'credit',
  'casino',
  'porn',
  'sex',
  'penis',
  'pills',
  'pharmacy',
  'prescription',
  'loan',
  'offer',
  'save',
  'click',
  'remove',
  'unsubscribe',
  'guaranteed',
  'income',
  'million',
  'winner',
  'bonus',
]);

const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};

const SEPARATORS = ".-_*~+'`";
export const BODY_OBFUSCATED_WORD = computedRule(
  {
    id: 'BODY_OBFUSCATED_WORD',
    group: 'body',
    description: 'Body disguises a spam word ("V1AGRA", "f.r.e.e", "F R E E")',
    score: 15,
  },
  ({ message, raw }) => {
    const view = viewOf(message, raw);
    return findObfuscated(splitWords(view.subject.toLowerCase(), 200)) ?? findObfuscated(view.words);
  },
);

/**
 * The first disguised spam word among lowercased words (edge punctuation already stripped),
 * as written, or null. Linear in the number of words; plain-letter words are skipped at once.
 */
export function findObfuscated(words: readonly string[]): string | null {
  // Letters spaced out: runs of single characters ("f r e e").
  let run = '';
  for (const word of words) {
    if (word.length === 1) {
      run += LEET[word] ?? word;
      if (run.length > 12) run = run.slice(1);
      for (let start = 0; start + 4 <= run.length; start++) {
        if (WORDS.has(run.slice(start))) return run.slice(start).split('').join(' ');
      }
      continue;
    }
    run = '';
    const core = trimSeparators(word);
    if (core.length < 4 || core.length > 24 || isPlain(core)) continue;
    const plain = normalise(core);
    if (plain && WORDS.has(plain)) return word;
  }
  return null;
}

function trimSeparators(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && SEPARATORS.includes(word[start] as string)) start++;
  while (end > start && SEPARATORS.includes(word[end - 1] as string)) end--;
  return word.slice(start, end);
}

function isPlain(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/**
 * Letters with look-alikes mapped and separators dropped; null if anything else is in it.
 * Called on words whose separators at either end ("--free", "offer-") were trimmed: those are
 * decoration, not disguise.
 */
function normalise(word: string): string | null {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i] as string;
    if (c >= 'a' && c <= 'z') out += c;
    else if (LEET[c] !== undefined) out += LEET[c];
    else if (SEPARATORS.includes(c)) continue;
    else return null;
  }
  return out;
}
