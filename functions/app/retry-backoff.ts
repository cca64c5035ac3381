/**
 * When a failed stage record is tried again. SQS makes a failed record visible again after
 * the queue's visibility timeout, the same short wait every time; a downstream outage of more
 * than a few such waits would dead-letter every message. Instead the stage handler sets the
 * failed record's visibility to this exponential backoff, as an MTA spaces out its delivery
 * retries (RFC 5321 §4.5.4.1), capped just under SQS's 12-hour maximum.
 */
export interface RetryBackoff {
  /** Wait after the first failed attempt; it doubles with each further attempt. */
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

/** SQS's longest visibility timeout (ChangeMessageVisibility). */
export const MAX_VISIBILITY_SECONDS = 12 * 3600;

/**
 * The longest wait we ask for. SQS counts the 12 hours from when the record was received, not
 * from the ChangeMessageVisibility call, and refuses (does not clamp) a request past them; we
 * ask after the failed attempt, which may have run up to the function's timeout (at most
 * 15 minutes in Lambda). Asking for the full 12 hours would be refused, and the record would
 * come back after the queue's short visibility timeout instead, spending an attempt.
 */
export const MAX_RETRY_WAIT_SECONDS = MAX_VISIBILITY_SECONDS - 15 * 60;

/** In AWS: 1 minute, then 2, 4, ... up to 11 h 45 min. */
export const AWS_RETRY_BACKOFF: RetryBackoff = { baseSeconds: 60, maxSeconds: MAX_RETRY_WAIT_SECONDS };

/** Seconds to wait after failed attempt `attempt` (1-based). */
export function retryDelaySeconds(attempt: number, backoff: RetryBackoff = AWS_RETRY_BACKOFF): number {
  const doubled = backoff.baseSeconds * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(backoff.maxSeconds, MAX_RETRY_WAIT_SECONDS, Math.round(doubled));
}

/** "90 s", "4 min", "2 h 8 min": for tracking events. */
export function formatDelay(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}
