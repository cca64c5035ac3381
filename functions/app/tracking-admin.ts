import { NotFoundError } from '../core/errors.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';
import type { Page, TrackingQuery } from './ports.ts';
import type { PipelineDeps } from './stage-deps.ts';

export async function getTrackingRecord(
  deps: Pick<PipelineDeps, 'tracking'>,
  messageId: string,
): Promise<TrackingRecord> {
  const record = await deps.tracking.get(messageId);
  if (!record) throw new NotFoundError(`no message ${messageId} in tracking`);
  return record;
}

export async function searchTracking(
  deps: Pick<PipelineDeps, 'tracking'>,
  query: TrackingQuery,
): Promise<Page<TrackingRecord>> {
  return deps.tracking.search(query);
}
