import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where a running local gateway says it listens, so `graywall` finds it without flags. */
export interface LocalGatewayState {
  readonly apiUrl: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly sinkPort?: number;
  readonly pid: number;
  readonly domains: readonly string[];
  /**
   * The gateway that was running when this one started (on other ports): the CLI goes back to
   * it when this one stops, instead of losing it.
   */
  readonly previous?: LocalGatewayState;
}

export const LOCAL_STATE_FILE = join('.graywall', 'local.json');

/** Whether a process is still running (EPERM: it is, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The chain without the gateways that are gone (and without `pid`, when given). */
function live(state: LocalGatewayState | undefined, without?: number): LocalGatewayState | undefined {
  if (!state) return undefined;
  const previous = live(state.previous, without);
  if (state.pid === without || !isRunning(state.pid)) return previous;
  const { previous: _old, ...self } = state;
  return previous ? { ...self, previous } : self;
}

function readChain(file: string): LocalGatewayState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalGatewayState;
  } catch {
    return undefined;
  }
}

/** Records a gateway that started; one already running stays behind it in the file. */
export function writeLocalState(state: LocalGatewayState, file = LOCAL_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  const previous = live(readChain(file), state.pid);
  const { previous: _ignored, ...self } = state;
  writeFileSync(file, `${JSON.stringify(previous ? { ...self, previous } : self, null, 2)}\n`);
}

/** The most recently started gateway that is still running. */
export function readLocalState(file = LOCAL_STATE_FILE): LocalGatewayState | undefined {
  return live(readChain(file));
}

/** Takes a stopping gateway out of the file; the others still running stay findable. */
export function removeLocalState(pid: number, file = LOCAL_STATE_FILE): void {
  const rest = live(readChain(file), pid);
  if (rest) writeFileSync(file, `${JSON.stringify(rest, null, 2)}\n`);
  else rmSync(file, { force: true });
}
