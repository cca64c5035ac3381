import { Metrics as PowertoolsMetrics, MetricUnit as PowertoolsUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../app/operational-metrics.ts';
import type { Metrics, MetricUnit } from '../app/ports.ts';

export interface EmfMetricsOptions {
  /** @default 'Graywall' (METRICS_NAMESPACE) */
  readonly namespace?: string;
  /**
   * Where each EMF document goes, one JSON line each. In Lambda that is stdout: CloudWatch Logs
   * turns the lines of the function's log into metrics, with no API call and no IAM permission.
   * @default process.stdout
   */
  readonly write?: (line: string) => void;
}

const UNITS: Record<MetricUnit, (typeof PowertoolsUnit)[keyof typeof PowertoolsUnit]> = {
  Count: PowertoolsUnit.Count,
  Milliseconds: PowertoolsUnit.Milliseconds,
};

/**
 * EMF allows at most 100 metrics per document and 100 values per metric, and Powertools prints
 * a buffer itself (bypassing `write`) the moment it reaches either. A buffer is written out
 * before it would: at most 99 values, so at most 99 metrics, per document.
 */
const MAX_VALUES_PER_DOCUMENT = 99;

interface SeriesBuffer {
  readonly metrics: PowertoolsMetrics;
  values: number;
}

/**
 * The Metrics port as CloudWatch embedded metric format, through Powertools for AWS Lambda
 * (which validates names, units and values and serialises the EMF document).
 *
 * A Powertools `Metrics` instance publishes all its metrics under one dimension set, so this
 * keeps one instance per dimension set: the dimensions are few and low-cardinality, so the
 * instances are too, and they live as long as the container. Powertools' default `service`
 * dimension is removed: each metric has exactly the dimensions the catalogue gives it
 * (app/operational-metrics.ts), which are the ones the dashboard and alarms ask for.
 */
export class EmfMetrics implements Metrics {
  readonly #namespace: string;
  readonly #write: (line: string) => void;
  readonly #buffers = new Map<string, SeriesBuffer>();

  constructor(options: EmfMetricsOptions = {}) {
    this.#namespace = options.namespace ?? METRICS_NAMESPACE;
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  add(name: string, unit: MetricUnit, value: number, dimensions: Readonly<Record<string, string>>): void {
    const buffer = this.#bufferFor(dimensions);
    if (buffer.values >= MAX_VALUES_PER_DOCUMENT) this.#publish(buffer);
    buffer.metrics.addMetric(name, UNITS[unit], value);
    buffer.values += 1;
  }

  /** Writes one EMF document per dimension set that has values, and empties the buffers. */
  flush(): void {
    for (const buffer of this.#buffers.values()) this.#publish(buffer);
  }

  #publish(buffer: SeriesBuffer): void {
    if (buffer.values === 0) return;
    try {
      this.#write(JSON.stringify(buffer.metrics.serializeMetrics()));
    } finally {
      buffer.metrics.clearMetrics();
      buffer.values = 0;
    }
  }

  #bufferFor(dimensions: Readonly<Record<string, string>>): SeriesBuffer {
    const sorted = Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify(sorted);
    let buffer = this.#buffers.get(key);
    if (!buffer) {
      const metrics = new PowertoolsMetrics({ namespace: this.#namespace });
      metrics.clearDefaultDimensions();
      metrics.setDefaultDimensions(Object.fromEntries(sorted));
      buffer = { metrics, values: 0 };
      this.#buffers.set(key, buffer);
    }
    return buffer;
  }
}
