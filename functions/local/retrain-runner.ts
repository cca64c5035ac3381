import type { RetrainRequest, RetrainTrigger } from '../app/ports.ts';
import { type RetrainDeps, type RetrainOutcome, runRetrain } from '../app/retrain.ts';

/**
 * "Update now" in the local gateway: the retraining run goes on in the background of the
 * gateway's process, as it does in the retrain function in AWS, and the API answers at once.
 * One run at a time: a request while one is under way joins it (it reads the same submissions).
 * Tests await `settled()`.
 */
export class LocalRetrainRunner implements RetrainTrigger {
  private readonly getDeps: () => RetrainDeps;
  private running: Promise<RetrainOutcome | undefined> | undefined;
  private last: Promise<RetrainOutcome | undefined> = Promise.resolve(undefined);

  constructor(getDeps: () => RetrainDeps) {
    this.getDeps = getDeps;
  }

  async start(request: RetrainRequest): Promise<{ readonly detail: string }> {
    if (this.running) return { detail: 'a retraining run is already under way in the local gateway' };
    const deps = this.getDeps();
    const run = runRetrain(deps, request)
      .catch((error: unknown) => {
        // As a failed asynchronous invocation would be in AWS: logged, nothing else changes.
        deps.log.error('retraining run failed', { error, requestedBy: request.requestedBy });
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = run;
    this.last = run;
    return { detail: 'the local gateway runs it in the background; a run takes a few seconds' };
  }

  /** The outcome of the latest run once it has finished (undefined if it failed or none ran). */
  settled(): Promise<RetrainOutcome | undefined> {
    return this.last;
  }
}
