import type { MiddlewareObj } from '@middy/core';
import type { Logger, Metrics } from '../app/ports.ts';

/**
 * Middy middleware that flushes the function's metrics once per invocation, after the handler
 * returned or threw. Flushing never changes the outcome: a failure to write metrics is logged
 * and the invocation's result (or error) stands.
 */
export function flushMetrics(
  getDeps: () => { readonly metrics?: Metrics; readonly log: Logger },
): MiddlewareObj {
  const flush = (): void => {
    let deps: ReturnType<typeof getDeps> | undefined;
    try {
      deps = getDeps();
      deps.metrics?.flush();
    } catch (error) {
      // getDeps itself may be what failed (a configuration error): then there is nothing to flush.
      deps?.log.warn('could not write the metrics', { error });
    }
  };
  return { name: 'flushMetrics', after: flush, onError: flush };
}
