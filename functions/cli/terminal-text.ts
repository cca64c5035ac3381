/**
 * Text from mail (subjects, display names, header snippets, remote servers' replies) is
 * printed to an admin's terminal. Decoded from RFC 2047 encoded-words it can hold anything: an
 * escape sequence that moves the cursor, clears a line or retitles the window; a CR that
 * overprints a line; a right-to-left override that reorders it. A sender could fake lines of
 * our output. So every control character a terminal acts on is shown, not sent, as a visible
 * escape (`\u001b`, `\u202e`): the JSON spelling, so `--json` output stays valid JSON (and
 * parses back to the same text) while JSON.stringify leaves DEL and C1 controls raw.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

function visible(char: string): string {
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/** Output as a whole: line breaks and tabs are ours and stay; every other control is escaped. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, visible);
}

/**
 * One field on one line: its line breaks and tabs become spaces (a Subject with a line break
 * in it would otherwise print a line of its own), the rest as `terminalSafe`.
 */
export function oneLine(text: string): string {
  return terminalSafe(text.replace(/[\r\n\t\v\f]+/g, ' '));
}
