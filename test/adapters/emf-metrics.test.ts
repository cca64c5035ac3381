import { describe, expect, it, vi } from 'vitest';
import { EmfMetrics } from '../../functions/adapters/emf-metrics.ts';
import { InMemoryMetrics } from '../../functions/adapters/memory-metrics.ts';
import { emitMetric, OPERATIONAL_METRICS } from '../../functions/app/operational-metrics.ts';
import type { Metrics } from '../../functions/app/ports.ts';
import { memoryLogger } from '../support/gateway-harness.ts';

/** An EmfMetrics whose documents are parsed and kept instead of printed. */
function capturedEmf(): { metrics: EmfMetrics; documents: Array<Record<string, unknown>> } {
  const documents: Array<Record<string, unknown>> = [];
  const metrics = new EmfMetrics({
    write: (line) => {
      expect(line).not.toContain('\n');
      documents.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { metrics, documents };
}

describe('EmfMetrics (CloudWatch embedded metric format)', () => {
  it('writes one EMF document per dimension set on flush, with the namespace, dimensions, units and values', () => {
    // Prepare
    const { metrics, documents } = capturedEmf();
    const before = Date.now();
    // Act
    emitMetric(metrics, 'MessagesProcessed', 1, { Stage: 'scan' });
    emitMetric(metrics, 'StageDurationMs', 42.5, { Stage: 'scan' });
    emitMetric(metrics, 'MessagesProcessed', 1, { Stage: 'scan' });
    emitMetric(metrics, 'Verdicts', 1, { Stage: 'scan', Verdict: 'positive' });
    expect(documents).toEqual([]);
    metrics.flush();
    // Assess: the shape the EMF specification asks for, and nothing else (no `service` dimension).
    expect(documents).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Graywall',
              Dimensions: [['Stage']],
              Metrics: [
                { Name: 'MessagesProcessed', Unit: 'Count' },
                { Name: 'StageDurationMs', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        Stage: 'scan',
        // Several values of one metric in one document: an array (CloudWatch counts each).
        MessagesProcessed: [1, 1],
        StageDurationMs: 42.5,
      },
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Graywall',
              Dimensions: [['Stage', 'Verdict']],
              Metrics: [{ Name: 'Verdicts', Unit: 'Count' }],
            },
          ],
        },
        Stage: 'scan',
        Verdict: 'positive',
        Verdicts: 1,
      },
    ]);
    // Milliseconds since the epoch, now (CloudWatch drops data points 2 hours ahead or 14 days behind).
    const timestamp = (documents[0] as { _aws: { Timestamp: number } })._aws.Timestamp;
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('writes nothing when nothing was added since the last flush', () => {
    const { metrics, documents } = capturedEmf();
    metrics.flush();
    emitMetric(metrics, 'DeadLettered', 1, { Stage: 'action' });
    metrics.flush();
    metrics.flush();
    expect(documents.map((document) => document.DeadLettered)).toEqual([1]);
  });

  it('starts a new document before one would reach 100 values (the EMF limit)', () => {
    const { metrics, documents } = capturedEmf();
    for (let i = 0; i < 150; i++) emitMetric(metrics, 'StageDurationMs', i, { Stage: 'graymail' });
    metrics.flush();
    expect(documents.map((document) => (document.StageDurationMs as number[]).length)).toEqual([99, 51]);
  });

  it('prints to stdout by default, one JSON line per document', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const metrics = new EmfMetrics();
      emitMetric(metrics, 'DigestsSent', 1, { Job: 'digest' });
      metrics.flush();
      expect(write).toHaveBeenCalledTimes(1);
      const line = String(write.mock.calls[0]?.[0]);
      expect(line.endsWith('\n')).toBe(true);
      expect(JSON.parse(line)).toMatchObject({ Job: 'digest', DigestsSent: 1 });
    } finally {
      write.mockRestore();
    }
  });
});

describe('emitMetric', () => {
  it('records a catalogued metric with its unit, and nothing without a Metrics port', () => {
    const metrics = new InMemoryMetrics();
    emitMetric(metrics, 'ScanDurationMs', 120, { Stage: 'scan' });
    emitMetric(undefined, 'ScanDurationMs', 5, { Stage: 'scan' });
    expect(metrics.series()).toEqual([
      {
        name: 'ScanDurationMs',
        unit: 'Milliseconds',
        dimensions: { Stage: 'scan' },
        count: 1,
        sum: 120,
        max: 120,
      },
    ]);
  });

  it('drops values CloudWatch cannot take, and never lets a failing port stop the caller', () => {
    const metrics = new InMemoryMetrics();
    emitMetric(metrics, 'StageDurationMs', Number.NaN, { Stage: 'scan' });
    emitMetric(metrics, 'StageDurationMs', Number.POSITIVE_INFINITY, { Stage: 'scan' });
    expect(metrics.series()).toEqual([]);
    const broken: Metrics = {
      add: () => {
        throw new RangeError('broken');
      },
      flush: () => undefined,
    };
    expect(() => emitMetric(broken, 'DeadLettered', 1, { Stage: 'scan' })).not.toThrow();
  });

  it('has a catalogue of CloudWatch-valid names, each with one dimension set', () => {
    for (const [name, definition] of Object.entries(OPERATIONAL_METRICS)) {
      expect(name).toMatch(/^[A-Za-z]{1,255}$/);
      expect(definition.dimensions.length).toBeGreaterThan(0);
      expect(definition.dimensions.length).toBeLessThanOrEqual(30);
    }
  });
});

describe('InMemoryMetrics', () => {
  it('sums series by name and dimensions, and logs what each flush covers', () => {
    const { log, lines } = memoryLogger();
    const metrics = new InMemoryMetrics({ log });
    emitMetric(metrics, 'Delivered', 2, { Stage: 'action' });
    emitMetric(metrics, 'Delivered', 1, { Stage: 'release' });
    metrics.flush();
    emitMetric(metrics, 'Delivered', 3, { Stage: 'action' });
    metrics.flush();
    metrics.flush();
    expect(metrics.sum('Delivered')).toBe(6);
    expect(metrics.sum('Delivered', { Stage: 'action' })).toBe(5);
    expect(metrics.count('Delivered', { Stage: 'action' })).toBe(2);
    expect(lines.filter((line) => line.message === 'metrics').map((line) => line.metrics)).toEqual([
      [
        expect.objectContaining({ name: 'Delivered', dimensions: { Stage: 'action' }, sum: 2 }),
        expect.objectContaining({ name: 'Delivered', dimensions: { Stage: 'release' }, sum: 1 }),
      ],
      [expect.objectContaining({ name: 'Delivered', dimensions: { Stage: 'action' }, sum: 3 })],
    ]);
  });
});
