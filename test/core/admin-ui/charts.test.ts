import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  axisScale,
  type Category,
  groupedBarChart,
  horizontalBarChart,
  stackedBarChart,
} from '../../../functions/core/admin-ui/charts.ts';

interface Bar {
  readonly series: string;
  readonly category: string;
  readonly value: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The bars of a chart, read back from its markup. */
function barsOf(svg: string): Bar[] {
  return [...svg.matchAll(/<rect ([^>]*)>/g)].map(([, attributes]) => {
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(attributes ?? '')?.[1] ?? '';
    return {
      series: attr('data-series'),
      category: attr('data-category'),
      value: Number(attr('data-value')),
      x: Number(attr('x')),
      y: Number(attr('y')),
      width: Number(attr('width')),
      height: Number(attr('height')),
    };
  });
}

const verdictSeries = [
  { key: 'clean', label: 'clean' },
  { key: 'positive', label: 'positive spam' },
];
const days: Category[] = [
  { key: '2026-11-24', label: '11-24', values: { clean: 4, positive: 0 } },
  { key: '2026-11-25', label: '11-25', values: { clean: 2, positive: 3 } },
];

describe('axisScale', () => {
  it('rounds the top up to whole steps, so every tick is a whole number', () => {
    expect(axisScale(3)).toEqual({ top: 3, step: 1 });
    expect(axisScale(5)).toEqual({ top: 6, step: 2 });
    expect(axisScale(17)).toEqual({ top: 20, step: 5 });
    expect(axisScale(1234)).toEqual({ top: 1500, step: 500 });
  });

  it('keeps an axis for an empty chart (and for figures that are not numbers)', () => {
    expect(axisScale(0)).toEqual({ top: 1, step: 1 });
    expect(axisScale(Number.NaN)).toEqual({ top: 1, step: 1 });
    expect(axisScale(-4)).toEqual({ top: 1, step: 1 });
  });

  it('always covers the maximum with at most a handful of ticks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (max) => {
        const { top, step } = axisScale(max);
        expect(top).toBeGreaterThanOrEqual(max);
        expect(Number.isInteger(step) && step >= 1).toBe(true);
        expect(top % step).toBe(0);
        expect(top / step).toBeLessThanOrEqual(10);
      }),
    );
  });
});

describe('stackedBarChart', () => {
  const svg = stackedBarChart({
    id: 'chart-verdicts',
    title: 'Verdicts per day',
    series: verdictSeries,
    categories: days,
  });

  it('is an accessible image named by its title', () => {
    expect(svg).toMatch(/^<svg id="chart-verdicts" class="chart" viewBox="0 0 640 260"/);
    expect(svg).toContain('role="img" aria-labelledby="chart-verdicts-title"');
    expect(svg).toContain('<title id="chart-verdicts-title">Verdicts per day</title>');
  });

  it('draws one bar per non-zero figure, carrying its figure and a tooltip', () => {
    const bars = barsOf(svg);
    expect(bars.map((b) => [b.category, b.series, b.value])).toEqual([
      ['2026-11-24', 'clean', 4],
      ['2026-11-25', 'clean', 2],
      ['2026-11-25', 'positive', 3],
    ]);
    expect(svg).toContain('<title>2026-11-25: 3 positive spam</title>');
    expect(svg).toContain('class="bar s-positive"');
  });

  it('stacks a day’s bars to scale, one on the other, with the day’s total on top', () => {
    const [, clean, positive] = barsOf(svg) as [Bar, Bar, Bar];
    expect(positive.x).toBe(clean.x);
    expect(positive.y + positive.height).toBeCloseTo(clean.y, 1);
    expect(positive.height / clean.height).toBeCloseTo(3 / 2, 2);
    expect(svg).toContain('>5</text>');
    expect(svg).toContain('>11-24</text>');
  });

  it('draws figures that are not counts (negative, fractional, NaN) as whole numbers from 0', () => {
    const odd = stackedBarChart({
      id: 'odd',
      title: 'odd',
      series: verdictSeries,
      categories: [{ key: 'd', label: 'd', values: { clean: -3, positive: Number.NaN } }],
    });
    expect(barsOf(odd)).toEqual([]);
    expect(odd).not.toContain('NaN');
    const rounded = barsOf(
      stackedBarChart({
        id: 'r',
        title: 'r',
        series: verdictSeries,
        categories: [{ key: 'd', label: 'd', values: { clean: 2.6 } }],
      }),
    );
    expect(rounded.map((b) => b.value)).toEqual([3]);
  });

  it('refuses a series key that could break out of its class or attribute', () => {
    expect(() =>
      stackedBarChart({
        id: 'x',
        title: 'x',
        series: [{ key: 'a" onload="x', label: 'a' }],
        categories: days,
      }),
    ).toThrow(RangeError);
    expect(() => stackedBarChart({ id: 'x', title: 'x', series: [], categories: days })).toThrow(RangeError);
  });

  it('keeps every bar inside the drawing, whatever the figures', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(100_000), fc.nat(100_000)), { minLength: 1, maxLength: 31 }),
        (figures) => {
          const chart = stackedBarChart({
            id: 'p',
            title: 'p',
            series: verdictSeries,
            categories: figures.map(([clean, positive], i) => ({
              key: `d${i}`,
              label: `${i}`,
              values: { clean, positive },
            })),
          });
          expect(chart).not.toMatch(/NaN|Infinity/);
          for (const bar of barsOf(chart)) {
            expect(bar.y).toBeGreaterThanOrEqual(0);
            expect(bar.height).toBeGreaterThanOrEqual(0);
            expect(bar.y + bar.height).toBeLessThanOrEqual(260);
            expect(bar.x + bar.width).toBeLessThanOrEqual(640);
          }
        },
      ),
    );
  });
});

describe('groupedBarChart', () => {
  it('puts a day’s bars side by side from the baseline, each labelled with its figure', () => {
    const svg = groupedBarChart({
      id: 'chart-actions',
      title: 'Deliveries and quarantines',
      series: [
        { key: 'delivered', label: 'delivered' },
        { key: 'quarantined', label: 'quarantined' },
      ],
      categories: [{ key: '2026-11-25', label: '11-25', values: { delivered: 2, quarantined: 4 } }],
    });
    const [delivered, quarantined] = barsOf(svg) as [Bar, Bar];
    expect(quarantined.x).toBeGreaterThan(delivered.x);
    expect(delivered.y + delivered.height).toBeCloseTo(quarantined.y + quarantined.height, 1);
    expect(quarantined.height / delivered.height).toBeCloseTo(2, 2);
    expect(svg).toContain('class="value"');
    expect(svg).toMatch(/>2<\/text>.*>4<\/text>/);
  });
});

describe('horizontalBarChart', () => {
  const hostile = '<script>alert(1)</script>@evil.example';
  const svg = horizontalBarChart({
    id: 'chart-spam-senders',
    title: 'Top spam senders',
    series: [{ key: 'spam', label: 'spam messages' }],
    categories: [
      { key: 'ads@spam.example.net', label: 'ads@spam.example.net', values: { spam: 4 } },
      { key: hostile, label: hostile, values: { spam: 2 } },
      { key: `${'x'.repeat(60)}@long.example`, label: `${'x'.repeat(60)}@long.example`, values: { spam: 1 } },
    ],
  });

  it('draws one bar per entry, in the order given, lengths to scale', () => {
    const bars = barsOf(svg);
    expect(bars.map((b) => b.value)).toEqual([4, 2, 1]);
    expect((bars[0] as Bar).width / (bars[1] as Bar).width).toBeCloseTo(2, 2);
    expect((bars[1] as Bar).y).toBeGreaterThan((bars[0] as Bar).y);
  });

  it('escapes sender addresses taken from mail, in labels, data attributes and tooltips', () => {
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&#60;script&#62;alert(1)&#60;/script&#62;@evil.example');
    expect(barsOf(svg)[1]?.category).toBe('&#60;script&#62;alert(1)&#60;/script&#62;@evil.example');
  });

  it('shortens long labels with an ellipsis; the tooltip keeps the whole address', () => {
    expect(svg).toContain(`>${'x'.repeat(37)}…</text>`);
    expect(svg).toContain(`<title>${'x'.repeat(60)}@long.example: 1 spam messages</title>`);
  });
});
