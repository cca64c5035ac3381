import { decodeHtmlEntities, type HtmlStartTag, scanHtml } from '../../../unsubscribe/html-scan.ts';

/**
 * Text a reader cannot see but a filter reads: spam pads itself with innocent words that way.
 * Read the way a browser would paint it, not by the presence of a style: white text on a
 * coloured button is a button, white text on a white page is hidden. Each open element's
 * state is inherited by what it contains (CSS 2.1 §6.2): the text colour, the nearest
 * background painted behind it, `display:none` (which nothing inside can undo),
 * `visibility:hidden` and a tiny font (which a descendant can undo, as e-mail layouts do
 * with `font-size:0` cells around inline blocks).
 *
 * Not counted: a hidden "preheader", the line that modern newsletters hide at the top so
 * that mail programs show it as the preview; it comes before any visible text and is short.
 *
 * Linear in the input: one pass of the HTML tokenizer, a bounded element stack.
 */

export interface HiddenText {
  /** Letters and digits hidden, in all. */
  readonly chars: number;
  /** Why the first hidden run is hidden, and its text (cut). */
  readonly evidence: string;
}

/** Hidden text shorter than this (letters and digits) is a spacer, not padding. */
export const MIN_HIDDEN_CHARS = 12;
/** A preview line hidden before any visible text is a preheader if no longer than this. */
export const MAX_PREHEADER_CHARS = 200;
const MAX_DEPTH = 256;
const MAX_EVIDENCE_TEXT = 60;
/** Colours this close (sum of the channel differences) read as the same. */
const SAME_COLOUR = 48;
const WHITE: Rgb = [255, 255, 255];

type Rgb = readonly [number, number, number];

interface State {
  readonly name: string;
  readonly color: Rgb | undefined;
  /**
   * The nearest background painted behind this element, if any was set; `image` when that is
   * a picture, whose colours are unknown (white text on a photo is meant to be read).
   */
  readonly background: Rgb | 'image' | undefined;
  /** Why this element and all it holds are not painted (`display:none`, ...), if so. */
  readonly gone: string | undefined;
  readonly invisible: boolean;
  readonly tinyFont: boolean;
}

/** Elements without content: never on the stack. */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/** Elements a start tag of the same name closes implicitly (WHATWG HTML §13.2.6.4.7, simplified). */
const SELF_CLOSING_SIBLINGS = new Set(['p', 'li', 'td', 'th', 'tr', 'option', 'dt', 'dd']);

export function findHiddenText(html: string): HiddenText | undefined {
  const root: State = {
    name: '#root',
    color: undefined,
    background: undefined,
    gone: undefined,
    invisible: false,
    tinyFont: false,
  };
  const stack: State[] = [root];
  let seenVisible = false;
  let preheader = 0;
  let hidden = 0;
  let evidence: string | undefined;
  const top = (): State => stack[stack.length - 1] ?? root;

  scanHtml(html, {
    startTag(tag) {
      if (VOID.has(tag.name)) return;
      if (SELF_CLOSING_SIBLINGS.has(tag.name)) closeSibling(stack, tag.name);
      if (stack.length >= MAX_DEPTH) return;
      stack.push(stateOf(tag, html, top()));
    },
    endTag(name) {
      for (let i = stack.length - 1; i > 0; i--) {
        if (stack[i]?.name === name) {
          stack.length = i;
          return;
        }
      }
    },
    text(start, end) {
      const text = decodeHtmlEntities(html.slice(start, end));
      const chars = countAlnum(text);
      if (chars === 0) return;
      const why = hiddenBy(top());
      if (why === undefined) {
        seenVisible = true;
        return;
      }
      if (!seenVisible && top().gone !== undefined && preheader + chars <= MAX_PREHEADER_CHARS) {
        preheader += chars;
        return;
      }
      hidden += chars;
      evidence ??= `${why}: "${clip(text.replace(/\s+/g, ' ').trim())}"`;
    },
  });
  return hidden >= MIN_HIDDEN_CHARS && evidence !== undefined ? { chars: hidden, evidence } : undefined;
}

function closeSibling(stack: State[], name: string): void {
  for (let i = stack.length - 1; i > 0; i--) {
    const open = stack[i]?.name;
    if (open === name) {
      stack.length = i;
      return;
    }
    // A table starts a new scope: its cells do not close the cell it sits in.
    if (open === 'table') return;
  }
}

function stateOf(tag: HtmlStartTag, html: string, parent: State): State {
  let color = parent.color;
  let background = parent.background;
  let gone = parent.gone;
  let invisible = parent.invisible;
  let tinyFont = parent.tinyFont;
  for (const attribute of tag.attributes) {
    const value = html.slice(attribute.valueStart, attribute.valueEnd).trim().toLowerCase();
    if (attribute.name === 'color' && tag.name === 'font') color = parseColour(value) ?? color;
    else if (attribute.name === 'bgcolor') background = parseColour(value) ?? background;
    else if (attribute.name === 'background' && value !== '') background = 'image';
    else if (attribute.name === 'text' && tag.name === 'body') color = parseColour(value) ?? color;
    else if (attribute.name === 'hidden') gone ??= 'hidden attribute';
    else if (attribute.name === 'style') {
      for (const declaration of value.split(';').slice(0, 32)) {
        const colon = declaration.indexOf(':');
        if (colon === -1) continue;
        const property = declaration.slice(0, colon).trim();
        const val = declaration
          .slice(colon + 1)
          .replace(/!\s*important/, '')
          .trim();
        if (property === 'color') color = parseColour(val) ?? color;
        else if (property === 'background-color') background = parseColour(val) ?? background;
        else if (property === 'background-image' && val.includes('url(')) background = 'image';
        else if (property === 'background')
          background = val.includes('url(') ? 'image' : (backgroundColour(val) ?? background);
        else if (property === 'display' && val === 'none') gone ??= 'display:none';
        else if (property === 'visibility') invisible = val === 'hidden' || val === 'collapse';
        else if (property === 'opacity' && Number(val) === 0 && val !== '') gone ??= 'opacity:0';
        else if (property === 'font-size') tinyFont = isTinyFont(val);
      }
    }
  }
  return { name: tag.name, color, background, gone, invisible, tinyFont };
}

function hiddenBy(state: State): string | undefined {
  if (state.gone !== undefined) return state.gone;
  if (state.invisible) return 'visibility:hidden';
  if (state.tinyFont) return 'tiny font';
  const { color, background } = state;
  if (color === undefined || background === 'image') return undefined;
  if (sameColour(color, background ?? WHITE))
    return `text ${hex(color)} on ${background === undefined ? 'the page' : hex(background)}`;
  return undefined;
}

/** 0 or 1 pixel (or point): text nobody reads. */
function isTinyFont(value: string): boolean {
  const match = /^(\d+(?:\.\d+)?)\s*(px|pt|em|rem|%)?$/.exec(value);
  if (!match) return false;
  const size = Number(match[1]);
  const unit = match[2] ?? 'px';
  if (unit === 'em' || unit === 'rem') return size < 0.15;
  if (unit === '%') return size < 15;
  return size <= 1;
}

function sameColour(a: Rgb, b: Rgb): boolean {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) <= SAME_COLOUR;
}

/** The colour among the `background` shorthand's values (an image alone sets none). */
function backgroundColour(value: string): Rgb | undefined {
  for (const part of value.split(/\s+(?![^(]*\))/).slice(0, 8)) {
    const colour = parseColour(part);
    if (colour) return colour;
  }
  return undefined;
}

const NAMED: ReadonlyMap<string, Rgb> = new Map<string, Rgb>([
  ['white', [255, 255, 255]],
  ['black', [0, 0, 0]],
  ['red', [255, 0, 0]],
  ['green', [0, 128, 0]],
  ['blue', [0, 0, 255]],
  ['yellow', [255, 255, 0]],
  ['navy', [0, 0, 128]],
  ['gray', [128, 128, 128]],
  ['grey', [128, 128, 128]],
  ['silver', [192, 192, 192]],
  ['maroon', [128, 0, 0]],
  ['purple', [128, 0, 128]],
  ['orange', [255, 165, 0]],
  ['snow', [255, 250, 250]],
  ['ivory', [255, 255, 240]],
  ['whitesmoke', [245, 245, 245]],
]);

/** `#rgb`, `#rrggbb` (with or without `#`, as old mail writes bgcolor), `rgb(...)` and a few names. */
export function parseColour(value: string): Rgb | undefined {
  const named = NAMED.get(value);
  if (named) return named;
  const hexMatch = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/.exec(value);
  if (hexMatch) {
    const digits = hexMatch[1] as string;
    const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
    return [
      Number.parseInt(full.slice(0, 2), 16),
      Number.parseInt(full.slice(2, 4), 16),
      Number.parseInt(full.slice(4, 6), 16),
    ];
  }
  const rgb = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(value);
  if (rgb) {
    // A transparent colour paints nothing.
    if (rgb[4] !== undefined && Number(rgb[4]) === 0) return undefined;
    return [clamp(Number(rgb[1])), clamp(Number(rgb[2])), clamp(Number(rgb[3]))];
  }
  return undefined;
}

function clamp(channel: number): number {
  return Math.min(255, channel);
}

function hex(colour: Rgb): string {
  return `#${colour.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

function countAlnum(text: string): number {
  return text.replace(/[^\p{L}\p{N}]+/gu, '').length;
}

function clip(text: string): string {
  return text.length > MAX_EVIDENCE_TEXT ? `${text.slice(0, MAX_EVIDENCE_TEXT)}…` : text;
}
