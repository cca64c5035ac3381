import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../functions/core/errors.ts';
import { pageLimit, parseInstant, timeWindow } from '../../../functions/core/time/time-window.ts';

const now = new Date('2026-11-25T12:00:00Z');

describe('time windows as operators write them', () => {
  it('reads durations back from now and ISO times', () => {
    expect(parseInstant('2h', now, 'since').toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(parseInstant('7d', now, 'since').toISOString()).toBe('2026-11-18T12:00:00.000Z');
    expect(parseInstant('2026-11-01', now, 'since').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseInstant('2026-11-01T08:30:00+01:00', now, 'since').toISOString()).toBe(
      '2026-11-01T07:30:00.000Z',
    );
  });

  it('defaults to the last days and refuses nonsense with a clear message', () => {
    expect(timeWindow(undefined, undefined, now, 7)).toEqual({
      since: '2026-11-18T12:00:00.000Z',
      until: '2026-11-25T12:00:00.000Z',
    });
    expect(() => timeWindow('1h', '2h', now)).toThrow('since must be before until');
    expect(() => parseInstant('last tuesday', now, 'since')).toThrow(BadRequestError);
    expect(() => timeWindow('400d', undefined, now)).toThrow(/366 days/);
  });

  it('bounds page sizes', () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit('10')).toBe(10);
    expect(() => pageLimit('0')).toThrow(/1 to 500/);
    expect(() => pageLimit('1e9')).toThrow(BadRequestError);
  });
});
