import type { Logger, Metrics, MetricUnit } from '../app/ports.ts';

/** Everything recorded for one metric under one dimension set. */
export interface MetricSeries {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly dimensions: Readonly<Record<string, string>>;
  /** How many values were added. */
  readonly count: number;
  readonly sum: number;
  readonly max: number;
}

export interface InMemoryMetricsOptions {
  /** When given, each flush logs what was added since the previous one (a debug line). */
  readonly log?: Logger;
}

/**
 * The Metrics port in memory, for tests and the local gateway. It keeps a running total per
 * metric and dimension set (bounded: dimensions are low-cardinality), never the values.
 */
export class InMemoryMetrics implements Metrics {
  readonly #series = new Map<string, MetricSeries>();
  readonly #pending = new Map<string, MetricSeries>();
  readonly #log: Logger | undefined;

  constructor(options: InMemoryMetricsOptions = {}) {
    this.#log = options.log;
  }

  add(name: string, unit: MetricUnit, value: number, dimensions: Readonly<Record<string, string>>): void {
    const key = seriesKey(name, dimensions);
    for (const into of [this.#series, this.#pending])
      into.set(key, added(into.get(key), name, unit, value, dimensions));
  }

  flush(): void {
    if (this.#pending.size === 0) return;
    this.#log?.debug('metrics', { metrics: [...this.#pending.values()] });
    this.#pending.clear();
  }

  /** Every series recorded so far. */
  series(): MetricSeries[] {
    return [...this.#series.values()];
  }

  /** The sum of a metric's values over every series whose dimensions include `dimensions`. */
  sum(name: string, dimensions: Readonly<Record<string, string>> = {}): number {
    return this.#matching(name, dimensions).reduce((total, series) => total + series.sum, 0);
  }

  /** How many values of a metric were added, over every series whose dimensions include `dimensions`. */
  count(name: string, dimensions: Readonly<Record<string, string>> = {}): number {
    return this.#matching(name, dimensions).reduce((total, series) => total + series.count, 0);
  }

  #matching(name: string, dimensions: Readonly<Record<string, string>>): MetricSeries[] {
    return this.series().filter(
      (series) =>
        series.name === name &&
        Object.entries(dimensions).every(([key, value]) => series.dimensions[key] === value),
    );
  }
}

function added(
  series: MetricSeries | undefined,
  name: string,
  unit: MetricUnit,
  value: number,
  dimensions: Readonly<Record<string, string>>,
): MetricSeries {
  return series
    ? { ...series, count: series.count + 1, sum: series.sum + value, max: Math.max(series.max, value) }
    : { name, unit, dimensions: { ...dimensions }, count: 1, sum: value, max: value };
}

function seriesKey(name: string, dimensions: Readonly<Record<string, string>>): string {
  return JSON.stringify([name, Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}
