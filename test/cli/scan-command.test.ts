import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../functions/adapters/load-model.ts';
import { runCli } from '../../functions/cli/run-cli.ts';
import { formatScanOutcome } from '../../functions/cli/scan-command.ts';
import { GTUBE_STRING } from '../../functions/core/scan/rules/gtube.ts';
import { RULES_VERSION } from '../../functions/core/scan/rules/index.ts';
import { serializeModel } from '../../functions/core/scan/statistical/model.ts';

async function cli(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    readStdin: async () => Buffer.from(stdin),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const message = (subject: string, body: string) =>
  `From: a@sender.example.org\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;

describe('graywall scan', () => {
  it('prints score, verdict and the reasons table for a file, offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graywall-scan-'));
    writeFileSync(join(dir, 'gtube.eml'), message('test', GTUBE_STRING));
    const { code, out } = await cli(['scan', join(dir, 'gtube.eml')]);
    expect(code).toBe(0);
    expect(out).toMatch(/gtube\.eml: 100\/100 positive spam/);
    expect(out).toMatch(/\+100\s+GTUBE\s+Message contains the GTUBE anti-spam test string/);
  });

  it('walks directories recursively, in parallel, one JSON line per message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graywall-scan-'));
    mkdirSync(join(dir, 'nested'));
    for (let i = 0; i < 9; i++)
      writeFileSync(
        join(dir, i % 2 ? 'nested' : '.', `m${i}.eml`),
        message(`note ${i}`, i === 4 ? GTUBE_STRING : 'see you at lunch'),
      );
    const { code, out } = await cli(['scan', dir, '--json']);
    expect(code).toBe(0);
    const lines = out.split('\n').map(
      (line) =>
        JSON.parse(line) as {
          file: string;
          score: number;
          verdict: string;
          reasons: Array<{ id: string }>;
        },
    );
    expect(lines).toHaveLength(9);
    const gtube = lines.find((l) => l.file.endsWith('m4.eml'));
    expect(gtube).toMatchObject({ score: 100, verdict: 'positive' });
    expect(lines.every((l) => Number.isFinite(l.score) && typeof l.verdict === 'string')).toBe(true);
  });

  it('reads standard input and reports unreadable inputs with a non-zero exit', async () => {
    const fromStdin = await cli(['scan', '-', '--json'], message('hi', 'hello there'));
    expect(JSON.parse(fromStdin.out)).toMatchObject({
      file: '-',
      verdict: expect.any(String),
      graymail: 'none',
    });
    const missing = await cli(['scan', '/nonexistent/file.eml']);
    expect(missing.code).toBe(1);
    expect(missing.out).toBe('/nonexistent/file.eml: error: no such file or directory\n');
    expect((await cli(['scan'])).code).toBe(2);
  });

  it('says so, with a non-zero exit, when there is nothing to scan: an empty input or an empty directory', async () => {
    const empty = await cli(['scan', '-']);
    expect(empty).toMatchObject({ code: 1, out: '-: error: empty input: no message to scan\n' });
    const dir = mkdtempSync(join(tmpdir(), 'graywall-scan-empty-'));
    const none = await cli(['scan', dir]);
    expect(none).toMatchObject({ code: 1, out: `${dir}: error: no files in this directory\n` });
    writeFileSync(join(dir, 'zero.eml'), '');
    expect((await cli(['scan', dir])).out).toBe(
      `${join(dir, 'zero.eml')}: error: empty input: no message to scan\n`,
    );
  });

  it('follows links to files in a directory, reports a broken one, and does not follow links to directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graywall-scan-links-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'graywall-scan-target-'));
    writeFileSync(join(elsewhere, 'real.eml'), message('hi', 'hello'));
    symlinkSync(join(elsewhere, 'real.eml'), join(dir, 'linked.eml'));
    symlinkSync(join(elsewhere, 'gone.eml'), join(dir, 'broken.eml'));
    symlinkSync(dir, join(dir, 'loop'));
    const { code, out } = await cli(['scan', dir, '--json']);
    const lines = out
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; error?: string; verdict?: string });
    expect(lines.map((l) => l.file)).toEqual([join(dir, 'broken.eml'), join(dir, 'linked.eml')]);
    expect(lines[0]?.error).toMatch(/ENOENT|no such file/);
    expect(lines[1]?.verdict).toBeDefined();
    expect(code).toBe(1);
  });

  it('scores with another model version with --model (e.g. a promoted one), on one file or in the workers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graywall-scan-'));
    const bundled = loadModelFile();
    const artifact = join(dir, 'stat1-cli00001.json');
    writeFileSync(artifact, JSON.stringify(serializeModel({ ...bundled, version: 'stat1-cli00001' })));
    for (let i = 0; i < 8; i++)
      writeFileSync(join(dir, `m${i}.eml`), message(`note ${i}`, 'see you at lunch'));

    const one = await cli(['scan', join(dir, 'm0.eml'), '--model', artifact]);
    const many = await cli(['scan', dir, '--json', '--model', artifact]);
    const plain = await cli(['scan', join(dir, 'm0.eml')]);

    expect(one.out).toContain(`(${RULES_VERSION}+stat1-cli00001)`);
    const engines = many.out
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; engineVersion?: string })
      .filter((line) => line.file.endsWith('.eml'))
      .map((line) => line.engineVersion);
    expect(engines).toEqual(Array(8).fill(`${RULES_VERSION}+stat1-cli00001`));
    expect(plain.out).toContain(`(${RULES_VERSION}+${bundled.version})`);
  });

  it('refuses a --model file that is not a model artifact, before scanning anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graywall-scan-'));
    writeFileSync(join(dir, 'm.eml'), message('hi', 'hello'));
    writeFileSync(join(dir, 'not-a-model.json'), '{"format":"something-else"}');

    const bad = await cli(['scan', join(dir, 'm.eml'), '--model', join(dir, 'not-a-model.json')]);

    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err).toContain(
      'model format is something-else, expected graywall-statistical/2 or graywall-statistical/1',
    );
  });
});

describe('the human form of a scan', () => {
  it('keeps graymail signals in a table of their own, apart from the reasons that make the score', () => {
    const text = formatScanOutcome({
      file: 'news.eml',
      report: {
        score: 20,
        verdict: 'clean',
        engineVersion: 'test-engine',
        reasons: [{ id: 'STAT_CONTENT', group: 'statistical', description: 'content classifier', score: 20 }],
        graymail: {
          category: 'marketing',
          reasons: [
            { id: 'LIST_UNSUBSCRIBE', group: 'header', description: 'has List-Unsubscribe', score: 2 },
            { id: 'PROMO_SUBJECT', group: 'header', description: 'sale in the subject', score: 3 },
          ],
        },
      } as never,
    });
    const [scoreTable, graymailTable] = text.split('Graymail signals (marketing), not part of the score:');
    expect(scoreTable).toContain('STAT_CONTENT');
    expect(scoreTable).not.toContain('LIST_UNSUBSCRIBE');
    expect(graymailTable).toContain('WEIGHT');
    expect(graymailTable).toContain('PROMO_SUBJECT');
    expect(graymailTable).not.toContain('STAT_CONTENT');
  });
});

describe('graywall as a process in a pipeline', () => {
  it('stops quietly when the reader closes the pipe early (`graywall scan dir --json | head -1`)', async () => {
    // Prepare: enough messages that the output outlives the reader.
    const dir = mkdtempSync(join(tmpdir(), 'graywall-pipe-'));
    for (let i = 0; i < 60; i++)
      writeFileSync(join(dir, `m${i}.eml`), message(`hello ${i}`, 'text '.repeat(50)));
    // Act: read one line, then close our end, as `head -1` does.
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '../../bin/graywall.ts'), 'scan', dir, '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // Assess
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
