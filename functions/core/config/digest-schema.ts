import { z } from 'zod';
import { isTimeZone } from '../time/zoned-time.ts';
import { emailAddress } from './fields.ts';

const DEFAULTS = {
  enabled: true,
  schedule: 'cron(0 7 * * ? *)',
  linkLifetimeDays: 7,
  timeZone: 'UTC',
} as const;

export const TIME_ZONE_MESSAGE =
  'must be a time zone name from the IANA database, such as UTC, Europe/Berlin or America/New_York';

export const SCHEDULE_MESSAGE =
  'must be an EventBridge schedule: rate(1 day), rate(N hours|days) with N ≥ 1, or cron(minutes hours day-of-month month day-of-week year) with ? in day-of-month or day-of-week, e.g. cron(0 7 * * ? *)';

/**
 * EventBridge's two forms: `rate(value unit)` (singular unit for 1, plural otherwise, no
 * zero) and a six-field `cron(...)` in which day-of-month or day-of-week is `?`. Anything
 * else would only fail at deploy time.
 */
export function isScheduleExpression(value: string): boolean {
  const rate = /^rate\((\d{1,4}) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2] as string;
    if (n < 1) return false;
    // A digest every few minutes would flood users (and a retrain every few minutes would only
    // burn money): at least hourly steps.
    if (unit.startsWith('minute')) return false;
    return n === 1 ? !unit.endsWith('s') : unit.endsWith('s');
  }
  const cron = /^cron\(([^()]{1,100})\)$/.exec(value);
  if (!cron) return false;
  const fields = (cron[1] as string).trim().split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => /^[0-9A-Za-z*?,/#L-]+$/.test(f))) return false;
  return (fields[2] === '?') !== (fields[4] === '?');
}

/**
 * The end-user quarantine digest: a summary mail per recipient listing what was newly held
 * for them, with signed links to review, release, or always allow the sender.
 */
export const digestSchema = z
  .strictObject({
    enabled: z.boolean().default(DEFAULTS.enabled),
    /**
     * When digests go out: an EventBridge Scheduler expression, evaluated in `timeZone`, e.g.
     * `cron(0 7 * * ? *)` (daily at 07:00) or `rate(12 hours)`.
     */
    schedule: z.string().trim().refine(isScheduleExpression, SCHEDULE_MESSAGE).default(DEFAULTS.schedule),
    /** How long the links in a digest work. */
    linkLifetimeDays: z.number().int().min(1).max(30).default(DEFAULTS.linkLifetimeDays),
    /**
     * The zone of the times a digest and its pages show (when each message was held), e.g.
     * `Europe/Berlin`. Checked here: an unknown zone would otherwise fail every digest run.
     * The schedule runs in this zone too (EventBridge Scheduler's ScheduleExpressionTimezone).
     */
    timeZone: z.string().trim().refine(isTimeZone, TIME_ZONE_MESSAGE).default(DEFAULTS.timeZone),
    /** From address of digests. Default: quarantine@<first domain>. */
    fromAddress: emailAddress.optional(),
  })
  .default({ ...DEFAULTS });
