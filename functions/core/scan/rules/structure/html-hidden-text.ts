import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/**
 * Text hidden from the reader but not from the filter: zero or one-pixel fonts, `display:none`,
 * `visibility:hidden`, or white text. Used to pad spam with innocent words.
 */
const MARKERS = [
  'font-size:0',
  'font-size: 0',
  'font-size:1px',
  'font-size: 1px',
  'size="0"',
  'size=0',
  'display:none',
  'display: none',
  'visibility:hidden',
  'visibility: hidden',
  'color="#ffffff"',
  'color=#ffffff',
  'color="white"',
  'color=white',
  'color:#ffffff',
  'color: #ffffff',
  'color:#fff;',
  'color: white',
];

export const HTML_HIDDEN_TEXT = computedRule(
  {
    id: 'HTML_HIDDEN_TEXT',
    group: 'structure',
    description: 'HTML hides text from the reader (tiny font, display:none, white text)',
    score: 8,
  },
  ({ message, raw }) => {
    const lower = viewOf(message, raw).htmlLower;
    if (!lower) return null;
    return MARKERS.find((marker) => containsStyle(lower, marker)) ?? null;
  },
);

/** The marker as its own attribute or property: `color=` must not match inside `bgcolor=`. */
function containsStyle(lower: string, marker: string): boolean {
  let at = lower.indexOf(marker);
  while (at !== -1) {
    const before = lower.charCodeAt(at - 1);
    if (!((before >= 0x61 && before <= 0x7a) || before === 0x2d)) return true;
    at = lower.indexOf(marker, at + marker.length);
  }
  return false;
}
