import { computedRule } from '../support/patterns.ts';

/**
 * Bulk mailers append a random tag to the Subject so each copy differs and checksum filters
 * miss it: "Great offer.......... qsv", "Cheap ink (8SimUgQ)", "Hello    vjf". Fires on a
 * final word after a long gap or dots that is a short vowel-less letter string, or a
 * bracketed code mixing lower case, upper case and digits.
 */
const NO_VOWEL = /^[b-df-hj-np-tv-xz]{2,8}$/i;
const BRACKETED_CODE = /^[([]([A-Za-z0-9]{5,10})[)\]]$/;

export const SUBJECT_RANDOM_SUFFIX = computedRule(
  {
    id: 'SUBJECT_RANDOM_SUFFIX',
    group: 'header',
    description: 'Subject ends with a random-looking tag (a filter-evasion trick of bulk mailers)',
    score: 15,
    patterns: [NO_VOWEL, BRACKETED_CODE],
  },
  ({ message }) => {
    const subject = message.subject.slice(0, 300).replace(/\s/g, ' ').trimEnd();
    const space = subject.lastIndexOf(' ');
    if (space <= 0) return null;
    const last = subject.slice(space + 1);
    const code = BRACKETED_CODE.exec(last)?.[1];
    if (code && /[a-z]/.test(code) && /[A-Z]/.test(code) && /\d/.test(code)) return subject;
    // The gap before the tag: two or more spaces, or three dots (and spaces), or " -tag".
    let gapStart = space;
    while (gapStart > 0 && subject[gapStart - 1] === ' ') gapStart--;
    let dots = gapStart;
    while (dots > 0 && subject[dots - 1] === '.') dots--;
    const tag = last.startsWith('-') ? last.slice(1) : last;
    const gap = space - gapStart >= 1 || gapStart - dots >= 3 || last.startsWith('-');
    return gap && NO_VOWEL.test(tag) ? subject : null;
  },
);
