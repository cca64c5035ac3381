import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadModelFile } from '../adapters/load-model.ts';
import { type ScanReport, scanForReport } from '../app/scan-report.ts';
import type { GraywallConfig } from '../core/config/schema.ts';
import { table } from './format.ts';

export interface ScanOutcome {
  readonly file: string;
  readonly report?: ScanReport;
  readonly error?: string;
}

/**
 * `graywall scan`: scores messages offline with the same core as the scan Lambda, and the
 * bundled model or the artifact at `modelPath` (a promoted version the functions run, copied
 * from models/versions/ in the mail bucket). Each report names the engine version it used.
 * Inputs are files, directories (walked recursively, scanned in parallel on every core) and
 * `-` for standard input. Results are yielded in completion order.
 */
export async function* scanInputs(
  inputs: readonly string[],
  config: Pick<GraywallConfig, 'antispam'>,
  readStdin: () => Promise<Buffer>,
  modelPath?: string,
): AsyncGenerator<ScanOutcome> {
  const files: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      try {
        yield { file: '-', report: await scanForReport(await readStdin(), config, loadModelFile(modelPath)) };
      } catch (error) {
        yield { file: '-', error: (error as Error).message };
      }
      continue;
    }
    const info = await stat(input).catch(() => undefined);
    if (!info) yield { file: input, error: 'no such file or directory' };
    else if (info.isDirectory()) {
      const found = await walk(input);
      // Nothing scanned must not look like "all clean".
      if (found.length === 0) yield { file: input, error: 'no files in this directory' };
      files.push(...found);
    } else files.push(input);
  }
  if (files.length === 0) return;
  if (files.length < 8) {
    const model = loadModelFile(modelPath);
    for (const file of files) {
      try {
        yield { file, report: await scanForReport(await readFile(file), config, model) };
      } catch (error) {
        yield { file, error: (error as Error).message };
      }
    }
    return;
  }
  yield* scanInWorkers(files, config, modelPath);
}

async function* scanInWorkers(
  files: readonly string[],
  config: Pick<GraywallConfig, 'antispam'>,
  modelPath: string | undefined,
): AsyncGenerator<ScanOutcome> {
  const count = Math.max(1, Math.min(availableParallelism(), files.length));
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL('./scan-worker.ts', import.meta.url), { workerData: { config, modelPath } }),
  );
  const queue = [...files];
  const results: ScanOutcome[] = [];
  let pending = files.length;
  let wake: (() => void) | undefined;
  try {
    for (const worker of workers) {
      worker.on('message', (outcome: ScanOutcome) => {
        results.push(outcome);
        pending -= 1;
        const next = queue.shift();
        if (next) worker.postMessage(next);
        wake?.();
      });
      worker.on('error', (error) => {
        results.push({ file: '(worker)', error: error.message });
        pending = 0;
        wake?.();
      });
      const first = queue.shift();
      if (first) worker.postMessage(first);
    }
    while (pending > 0 || results.length > 0) {
      if (results.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      while (results.length > 0) yield results.shift() as ScanOutcome;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
    else if (entry.isSymbolicLink()) {
      // A link to a file is scanned; a broken one is listed too, so reading it reports the
      // error instead of it vanishing from the results. Links to directories are not followed
      // (a link to a parent would walk forever).
      const target = await stat(path).catch(() => undefined);
      if (!target || target.isFile()) out.push(path);
    }
  }
  return out.sort();
}

const VERDICT_WORDS = {
  positive: 'positive spam',
  suspect: 'suspected spam',
  clean: 'not spam',
  unscannable: 'not scanned',
} as const;

/** The human form, like `spamassassin -t`: score, verdict, graymail and every reason. */
export function formatScanOutcome(outcome: ScanOutcome): string {
  if (!outcome.report) return `${outcome.file}: error: ${outcome.error}`;
  const r = outcome.report;
  const lines = [
    `${outcome.file}: ${r.score}/100 ${VERDICT_WORDS[r.verdict]}${r.graymail.category !== 'none' ? `, graymail: ${r.graymail.category}` : ''}  (${r.engineVersion})`,
  ];
  if (r.note) lines.push(`  ${r.note}`);
  const signed = (n: number) => `  ${n >= 0 ? '+' : ''}${n}`;
  if (r.reasons.length > 0) {
    lines.push(
      table(
        ['  SCORE', 'RULE', 'DESCRIPTION', 'EVIDENCE'],
        r.reasons.map((x) => [signed(x.score), x.id, x.description, x.evidence ?? '']),
        70,
      ),
    );
  }
  // The graymail signals weigh towards a category, not the spam score: a table of their own,
  // or an admin adds them into the score and cannot make the sum come out.
  if (r.graymail.reasons.length > 0) {
    lines.push(
      `  Graymail signals (${r.graymail.category === 'none' ? 'not graymail; closest category' : r.graymail.category}), not part of the score:`,
      table(
        ['  WEIGHT', 'SIGNAL', 'DESCRIPTION', 'EVIDENCE'],
        r.graymail.reasons.map((x) => [signed(x.score), x.id, x.description, x.evidence ?? '']),
        70,
      ),
    );
  }
  return lines.join('\n');
}

/** One JSON object per line for machines: file, score, verdict, graymail, reasons. */
export function scanOutcomeJson(outcome: ScanOutcome): string {
  if (!outcome.report) return JSON.stringify({ file: outcome.file, error: outcome.error });
  const { score, verdict, reasons, engineVersion, graymail, note } = outcome.report;
  return JSON.stringify({
    file: outcome.file,
    score,
    verdict,
    graymail: graymail.category,
    graymailReasons: graymail.reasons,
    reasons,
    engineVersion,
    ...(note ? { note } : {}),
  });
}
