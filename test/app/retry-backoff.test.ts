import { describe, expect, it } from 'vitest';
import {
  AWS_RETRY_BACKOFF,
  formatDelay,
  MAX_RETRY_WAIT_SECONDS,
  MAX_VISIBILITY_SECONDS,
  retryDelaySeconds,
} from '../../functions/app/retry-backoff.ts';
import { validateConfig } from '../../functions/core/config/parse-config.ts';

describe('retry backoff', () => {
  it('waits 1 minute after the first failure, doubling up to just under SQS’s 12-hour visibility maximum', () => {
    expect([1, 2, 3, 4, 10, 11, 12, 20].map((attempt) => retryDelaySeconds(attempt))).toEqual([
      60, 120, 240, 480, 30_720, 42_300, 42_300, 42_300,
    ]);
    expect(retryDelaySeconds(1, { baseSeconds: 2, maxSeconds: 60 })).toBe(2);
    expect(retryDelaySeconds(9, { baseSeconds: 2, maxSeconds: 60 })).toBe(60);
    expect(retryDelaySeconds(50, { baseSeconds: 60, maxSeconds: 10 ** 9 })).toBe(MAX_RETRY_WAIT_SECONDS);
  });

  it('never asks for a wait SQS would refuse: 12 hours from receipt, after an attempt of up to 15 minutes', () => {
    const longestAttempt = 15 * 60;
    for (let attempt = 1; attempt <= 40; attempt++)
      expect(retryDelaySeconds(attempt) + longestAttempt).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
  });

  it('gives delivery about a day with the default attempts, as the configuration documents', () => {
    const { deliveryAttempts } = validateConfig(
      { domains: ['example.com'], delivery: { type: 'smtp', host: 'mail.example.com' } },
      'test',
    ).pipeline;
    expect(deliveryAttempts).toBe(12);
    // The waits between the 12 attempts: after attempts 1..11.
    let waited = 0;
    for (let attempt = 1; attempt < deliveryAttempts; attempt++)
      waited += retryDelaySeconds(attempt, AWS_RETRY_BACKOFF);
    expect(waited / 3600).toBeCloseTo(28.8, 1);
  });

  it('allows no more delivery attempts than the action queue keeps a message (4 days)', () => {
    const span = (attempts: number) => {
      let waited = 0;
      for (let attempt = 1; attempt < attempts; attempt++)
        waited += retryDelaySeconds(attempt, AWS_RETRY_BACKOFF);
      return waited;
    };
    expect(span(17)).toBeLessThan(4 * 86_400);
    expect(span(18)).toBeGreaterThan(4 * 86_400);
    const config = (deliveryAttempts: number) =>
      validateConfig(
        {
          domains: ['example.com'],
          delivery: { type: 'smtp', host: 'mail.example.com' },
          pipeline: { deliveryAttempts },
        },
        'test',
      );
    expect(config(17).pipeline.deliveryAttempts).toBe(17);
    expect(() => config(18)).toThrow(/pipeline\.deliveryAttempts: must be 17 or less/);
  });

  it('writes delays for people', () => {
    expect([1, 90, 120, 480, 7_200, 7_260, 43_200].map(formatDelay)).toEqual([
      '1 s',
      '90 s',
      '2 min',
      '8 min',
      '2 h',
      '2 h 1 min',
      '12 h',
    ]);
  });
});
