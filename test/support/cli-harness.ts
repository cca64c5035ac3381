import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLocalState } from '../../functions/cli/local-state.ts';
import { runCli } from '../../functions/cli/run-cli.ts';
import type { TestGateway } from './gateway-harness.ts';

export type CliRun = (...argv: string[]) => Promise<{ code: number; out: string; err: string }>;

/** Runs the `graywall` CLI in-process against a test gateway (found through its own state file). */
export function cliFor(gw: TestGateway): CliRun {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'graywall-cli-')), 'local.json');
  writeLocalState(
    { apiUrl: gw.apiUrl, smtp: gw.smtp, pid: process.pid, domains: gw.deps.config.domains },
    stateFile,
  );
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      out: (t) => out.push(`${t}\n`),
      err: (t) => err.push(`${t}\n`),
      env: {},
      stateFile,
    });
    return { code, out: out.join(''), err: err.join('') };
  };
}
