import { describe, expect, it } from 'vitest';
import { formatZonedTime, isTimeZone } from '../../../functions/core/time/zoned-time.ts';

describe('isTimeZone', () => {
  it('knows IANA zone names and UTC, and nothing else', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isTimeZone('Europe/Berlinn')).toBe(false);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    // Intl takes these, EventBridge Scheduler does not, and EST ignores daylight saving.
    expect(isTimeZone('+01:00')).toBe(false);
    expect(isTimeZone('EST')).toBe(false);
    expect(isTimeZone('Etc/GMT+5')).toBe(true);
  });
});

describe('formatZonedTime', () => {
  it('writes UTC times as before: to the minute, marked UTC', () => {
    expect(formatZonedTime('2026-11-25T10:07:59.999Z', 'UTC')).toBe('2026-11-25 10:07 UTC');
  });

  it("uses the offset in force at that instant, either side of Berlin's switch to summer time", () => {
    expect(formatZonedTime('2026-03-29T00:59:00.000Z', 'Europe/Berlin')).toBe('2026-03-29 01:59 UTC+01:00');
    expect(formatZonedTime('2026-03-29T01:00:00.000Z', 'Europe/Berlin')).toBe('2026-03-29 03:00 UTC+02:00');
  });

  it('tells apart the two 01:30s of the night New York leaves summer time', () => {
    expect(formatZonedTime('2026-11-01T05:30:00.000Z', 'America/New_York')).toBe(
      '2026-11-01 01:30 UTC-04:00',
    );
    expect(formatZonedTime('2026-11-01T06:30:00.000Z', 'America/New_York')).toBe(
      '2026-11-01 01:30 UTC-05:00',
    );
  });

  it('writes half-hour offsets, midnight as 00:00, and the date of the zone', () => {
    expect(formatZonedTime('2026-11-25T18:30:00.000Z', 'Asia/Kolkata')).toBe('2026-11-26 00:00 UTC+05:30');
    expect(formatZonedTime('2026-01-01T02:00:00.000Z', 'America/Los_Angeles')).toBe(
      '2025-12-31 18:00 UTC-08:00',
    );
  });

  it('shows a stored time it cannot read as stored, instead of failing the page', () => {
    expect(formatZonedTime('not a time', 'Europe/Berlin')).toBe('not a time');
  });
});
