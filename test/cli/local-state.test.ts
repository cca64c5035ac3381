import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type LocalGatewayState,
  readLocalState,
  removeLocalState,
  writeLocalState,
} from '../../functions/cli/local-state.ts';

const gateway = (pid: number, port: number): LocalGatewayState => ({
  apiUrl: `http://127.0.0.1:${port}`,
  smtp: { host: '127.0.0.1', port: port + 1 },
  pid,
  domains: ['example.com'],
});

/** A pid that surely belongs to no running process: one that has just exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the local gateway state file', () => {
  it('finds the first gateway again when a second one, started after it, stops', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'graywall-state-')), 'local.json');
    // Two gateways in this test process stand for two running processes: the parent's pid is
    // running too.
    const first = gateway(process.ppid, 8787);
    const second = gateway(process.pid, 46080);
    writeLocalState(first, file);
    writeLocalState(second, file);
    expect(readLocalState(file)?.apiUrl).toBe(second.apiUrl);
    removeLocalState(second.pid, file);
    expect(readLocalState(file)?.apiUrl).toBe(first.apiUrl);
    removeLocalState(first.pid, file);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps the newer gateway when the older one stops first', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'graywall-state-')), 'local.json');
    writeLocalState(gateway(process.ppid, 8787), file);
    writeLocalState(gateway(process.pid, 46080), file);
    removeLocalState(process.ppid, file);
    expect(readLocalState(file)).toMatchObject({ apiUrl: 'http://127.0.0.1:46080' });
    expect(readLocalState(file)?.previous).toBeUndefined();
  });

  it('ignores a gateway that is gone without cleaning up (killed, crashed)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'graywall-state-')), 'local.json');
    writeLocalState(gateway(process.pid, 8787), file);
    writeLocalState(gateway(exitedPid(), 46080), file);
    expect(readLocalState(file)?.apiUrl).toBe('http://127.0.0.1:8787');
    writeLocalState(gateway(exitedPid(), 46180), file);
    expect(readLocalState(file)?.apiUrl).toBe('http://127.0.0.1:8787');
  });
});
