import type { Stage, TrackingEvent } from '../core/tracking/types.ts';
import type { Clock } from './ports.ts';

export function trackingEvent(
  clock: Clock,
  stage: Stage,
  type: string,
  detail: string,
  recipients?: readonly string[],
): TrackingEvent {
  return {
    at: clock.now().toISOString(),
    stage,
    type,
    detail,
    ...(recipients ? { recipients: [...recipients] } : {}),
  };
}
