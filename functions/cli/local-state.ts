import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where a running local gateway says it listens, so `graywall` finds it without flags. */
export interface LocalGatewayState {
  readonly apiUrl: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly sinkPort?: number;
  readonly pid: number;
  readonly domains: readonly string[];
}

export const LOCAL_STATE_FILE = join('.graywall', 'local.json');

export function writeLocalState(state: LocalGatewayState, file = LOCAL_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

export function readLocalState(file = LOCAL_STATE_FILE): LocalGatewayState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalGatewayState;
  } catch {
    return undefined;
  }
}

export function removeLocalState(file = LOCAL_STATE_FILE): void {
  rmSync(file, { force: true });
}
