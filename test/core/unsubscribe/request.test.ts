import { describe, expect, it } from 'vitest';
import { keptAttempts, type UnsubscribeAttempt } from '../../../functions/core/unsubscribe/request.ts';

const attempt = (
  n: number,
  uri: string,
  outcome: UnsubscribeAttempt['outcome'],
  detail = 'HTTP 503',
): UnsubscribeAttempt => ({
  at: new Date(Date.UTC(2026, 10, 25, 0, n)).toISOString(),
  method: 'GET',
  uri,
  outcome,
  detail,
});

describe('the attempts an unsubscribe request keeps', () => {
  it('keeps every refusal and dead link however old, then the latest retries, in order', () => {
    const history = [
      attempt(0, 'https://10.0.0.1/u', 'refused', 'an intranet address'),
      attempt(1, 'https://esp.example/gone', 'failed', 'HTTP 410'),
      ...Array.from({ length: 60 }, (_, i) => attempt(2 + i, 'https://esp.example/u', 'failed')),
    ];

    const kept = keptAttempts(history, 40);

    expect(kept).toHaveLength(40);
    expect(kept.slice(0, 2)).toEqual(history.slice(0, 2));
    expect(kept.slice(2)).toEqual(history.slice(-38));
  });

  it('keeps one refusal per link, and all of a short history as it is', () => {
    const refused = attempt(0, 'https://10.0.0.1/u', 'refused', 'an intranet address');
    const again = attempt(5, 'https://10.0.0.1/u', 'refused', 'an intranet address');
    const short = [refused, attempt(1, 'https://esp.example/u', 'failed')];
    expect(keptAttempts(short, 40)).toEqual(short);
    const many = [
      refused,
      ...Array.from({ length: 5 }, (_, i) => attempt(1 + i, 'https://esp.example/u', 'failed')),
      again,
    ];
    expect(keptAttempts(many, 3)).toEqual([refused, many[5], again]);
  });
});
