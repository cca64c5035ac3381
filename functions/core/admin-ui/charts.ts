import { escapeHtml } from '../unsubscribe/html-scan.ts';

/**
 * Bar charts as inline SVG, rendered on the server: no script, no font or image to load, so
 * they work under the pages' `default-src 'none'` policy and print as they show. Each bar
 * carries its figures as data attributes and a <title> (the tooltip); the caller puts the
 * same figures in a table beside the chart for screen readers. Colours come from the page's
 * stylesheet by series class (`s-<series>`), so the legend and the bars cannot disagree.
 */

export interface Series {
  /** Names the CSS class (`s-<key>`) and the bars' data-series: [a-z0-9-]. */
  readonly key: string;
  readonly label: string;
}

export interface Category {
  /** The bar group's name, e.g. a day (2026-11-25) or a sender address. */
  readonly key: string;
  /** Shown under the bars (a day as MM-DD); the full key is in each bar's title. */
  readonly label: string;
  /** Value per series key; missing counts as 0. */
  readonly values: Readonly<Record<string, number>>;
}

export interface ChartSpec {
  /** The SVG's id (also the prefix of its title and description ids). */
  readonly id: string;
  /** What the chart shows, in one sentence: the SVG's accessible name. */
  readonly title: string;
  readonly series: readonly Series[];
  readonly categories: readonly Category[];
}

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 24, right: 12, bottom: 36, left: 44 } as const;
const SERIES_KEY = /^[a-z0-9-]{1,32}$/;

/**
 * A round upper bound for an axis and its step, so ticks are whole numbers: 0, step, 2·step…
 * up to at least `max`. Never returns 0 (an empty chart still has an axis).
 */
export function axisScale(max: number): { readonly top: number; readonly step: number } {
  const wanted = Number.isFinite(max) && max > 0 ? max : 1;
  const rough = wanted / 4;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const whole = Math.max(1, Math.round(step));
  return { top: whole * Math.max(1, Math.ceil(wanted / whole)), step: whole };
}

/** Bars stacked per category (e.g. the verdicts of each day's messages). */
export function stackedBarChart(spec: ChartSpec): string {
  return columnChart(spec, 'stacked');
}

/** Bars side by side per category (e.g. each day's deliveries next to its quarantines). */
export function groupedBarChart(spec: ChartSpec): string {
  return columnChart(spec, 'grouped');
}

function columnChart(spec: ChartSpec, layout: 'stacked' | 'grouped'): string {
  checkSeries(spec.series);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const value = (category: Category, series: Series): number => figure(category.values[series.key]);
  const heights = spec.categories.map((c) =>
    layout === 'stacked'
      ? spec.series.reduce((sum, s) => sum + value(c, s), 0)
      : Math.max(0, ...spec.series.map((s) => value(c, s))),
  );
  const { top, step } = axisScale(Math.max(0, ...heights));
  const y = (v: number): number => MARGIN.top + plotHeight - (v / top) * plotHeight;
  const parts: string[] = [...gridLines(top, step, y, plotWidth)];

  const slot = plotWidth / Math.max(1, spec.categories.length);
  const groupWidth = slot * 0.7;
  spec.categories.forEach((category, i) => {
    const left = MARGIN.left + i * slot + (slot - groupWidth) / 2;
    let stackTop = 0;
    spec.series.forEach((series, j) => {
      const v = value(category, series);
      if (v === 0) return;
      const barWidth = layout === 'stacked' ? groupWidth : groupWidth / spec.series.length;
      const x = layout === 'stacked' ? left : left + j * barWidth;
      const from = layout === 'stacked' ? stackTop : 0;
      stackTop += v;
      parts.push(bar(series, category, v, x, y(from + v), barWidth, y(from) - y(from + v)));
      if (layout === 'grouped') parts.push(valueLabel(x + barWidth / 2, y(v) - 4, v));
    });
    if (layout === 'stacked' && stackTop > 0)
      parts.push(valueLabel(left + groupWidth / 2, y(stackTop) - 4, stackTop));
    parts.push(
      `<text class="axis" x="${num(left + groupWidth / 2)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escapeHtml(category.label)}</text>`,
    );
  });
  return svg(spec, WIDTH, HEIGHT, parts);
}

/** One horizontal bar per category, longest first as given (e.g. the top spam senders). */
export function horizontalBarChart(spec: ChartSpec & { readonly maxLabelLength?: number }): string {
  checkSeries(spec.series);
  const series = spec.series[0] as Series;
  const rowHeight = 26;
  const labelWidth = 250;
  const left = labelWidth + 8;
  const barSpace = WIDTH - left - 48;
  const height = MARGIN.top + spec.categories.length * rowHeight + 8;
  const values = spec.categories.map((c) => figure(c.values[series.key]));
  const { top } = axisScale(Math.max(0, ...values));
  const maxLabel = spec.maxLabelLength ?? 38;
  const parts = spec.categories.map((category, i) => {
    const v = values[i] as number;
    const rowY = MARGIN.top + i * rowHeight;
    const width = (v / top) * barSpace;
    const label =
      category.label.length > maxLabel ? `${category.label.slice(0, maxLabel - 1)}…` : category.label;
    return [
      `<text class="label" x="${labelWidth}" y="${num(rowY + rowHeight / 2 + 4)}" text-anchor="end">${escapeHtml(label)}</text>`,
      bar(series, category, v, left, rowY + 4, width, rowHeight - 8),
      valueLabel(left + width + 6, rowY + rowHeight / 2 + 4, v, 'start'),
    ].join('');
  });
  return svg(spec, WIDTH, height, parts);
}

function svg(spec: ChartSpec, width: number, height: number, parts: readonly string[]): string {
  const id = escapeHtml(spec.id);
  return `<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${escapeHtml(spec.title)}</title>${parts.join('')}</svg>`;
}

function gridLines(top: number, step: number, y: (v: number) => number, plotWidth: number): string[] {
  const lines: string[] = [];
  for (let v = 0; v <= top; v += step) {
    const at = num(y(v));
    lines.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${at}" y2="${at}"/>`,
      `<text class="axis" x="${MARGIN.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  return lines;
}

function bar(
  series: Series,
  category: Category,
  value: number,
  x: number,
  y: number,
  width: number,
  height: number,
): string {
  return `<rect class="bar s-${series.key}" x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${num(height)}" data-series="${series.key}" data-category="${escapeHtml(category.key)}" data-value="${value}"><title>${escapeHtml(`${category.key}: ${value} ${series.label}`)}</title></rect>`;
}

function valueLabel(x: number, y: number, value: number, anchor: 'middle' | 'start' = 'middle'): string {
  return `<text class="value" x="${num(x)}" y="${num(y)}" text-anchor="${anchor}">${value}</text>`;
}

function checkSeries(series: readonly Series[]): void {
  if (series.length === 0) throw new RangeError('a chart needs at least one series');
  for (const s of series)
    if (!SERIES_KEY.test(s.key))
      throw new RangeError(`series key must be [a-z0-9-]: ${JSON.stringify(s.key)}`);
}

/** Counts are whole and not negative; anything else (NaN, a stray string) draws as 0. */
function figure(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** Coordinates with at most two decimals. */
function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
