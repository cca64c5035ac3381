/**
 * Times shown to people in a configured time zone. The zone comes from config, never from
 * the process's environment (a Lambda runs in UTC whatever its readers' zone).
 */

/**
 * Whether `name` is an IANA time zone name (`Europe/Berlin`, `America/Argentina/Salta`,
 * `UTC`) the runtime's time zone database knows. Offsets (`+01:00`) and legacy abbreviations
 * (`EST`) are refused though Intl takes them: EventBridge Scheduler, which runs the digest in
 * this zone, takes IANA names only, and an abbreviation ignores daylight saving.
 */
export function isTimeZone(name: string): boolean {
  if (name !== 'UTC' && !/^[A-Z][A-Za-z_-]+(?:\/[A-Za-z0-9_+-]+)+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

// Building a formatter loads zone data; a digest formats up to hundreds of times in one zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23: some ICU versions write midnight as 24:00 with hour12 off.
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * `2026-03-29 03:30 UTC+02:00`: the wall-clock time in `timeZone` to the minute, with the
 * offset in force at that instant (so two times either side of a DST change read right).
 * The offset rather than an abbreviation: CLDR's English names exist for a few zones only
 * ("CET" in en-GB but "GMT+1" in en-US), and the offset means the same to every reader.
 * A time that does not parse is shown as stored, rather than failing the whole page.
 */
export function formatZonedTime(iso: string, timeZone: string): string {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return iso;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((wallClock - Math.floor(instant / 1000) * 1000) / 60_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)} ${formatOffset(offsetMinutes)}`;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
