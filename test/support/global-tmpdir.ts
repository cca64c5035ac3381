import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every test run gets its own temporary directory, removed when the run
 * ends. CDK apps without an outdir synthesize into `$TMPDIR/cdk.outXXXX`, and the CLI and
 * e2e tests keep state files under the temp dir; without this each run left a few hundred
 * directories behind on the CI machine. Test workers are started after this runs, so they
 * inherit TMPDIR and `os.tmpdir()` points here.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'graywall-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
