#!/usr/bin/env node
/**
 * `npm run bench`: accuracy and speed of the scan use case on the TEST split of the standard
 * corpus (shared/CORPUS.md), beside SpamAssassin's and Rspamd's figures on the same split
 * (shared/peers/RESULTS.md). Writes BENCHMARKS.md and BENCHMARKS.json at the repository root.
 *
 * Not a test: it asserts nothing. Every message goes through `scanRawMessage`, the function
 * the scan Lambda calls, with the default thresholds (suspect 50, positive 90) and the
 * committed model.
 *
 *   node bin/bench.ts [--model path] [--rounds n] [--no-write]
 *
 * Speed is measured in child processes: throughput and latency in one pinned to a single
 * core (`taskset -c 0`, when available) after a warm-up pass over the whole split; cold init
 * (importing the scan modules and loading the model) in a fresh process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CorpusEntry, listCorpus, readEntry } from './corpus.ts';

const ROOT = join(import.meta.dirname, '..');
const DEFAULT_THRESHOLDS = { suspectThreshold: 50, positiveThreshold: 90 } as const;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'no-write': { type: 'boolean' },
    child: { type: 'string' },
  },
});

interface ScoredMessage {
  readonly entry: CorpusEntry;
  readonly score: number;
  readonly verdict: string;
}

interface SpeedReport {
  readonly messages: number;
  readonly rounds: number;
  readonly pinned: boolean;
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface ColdReport {
  readonly importMs: number;
  readonly modelLoadMs: number;
  readonly initMs: number;
  readonly firstScanMs: number;
  readonly sinceProcessStartMs: number;
}

async function loadScanner(modelPath: string | undefined) {
  const { scanRawMessage } = await import('../functions/core/scan/scan-message.ts');
  const { loadModelFile } = await import('../functions/adapters/load-model.ts');
  const model = modelPath ? loadModelFile(modelPath) : loadModelFile();
  return { scanRawMessage, model };
}

/** Child: cold init, measured from a fresh process. Prints one JSON line. */
async function coldChild(modelPath: string | undefined): Promise<void> {
  const t0 = performance.now();
  const { scanRawMessage } = await import('../functions/core/scan/scan-message.ts');
  const { loadModelFile } = await import('../functions/adapters/load-model.ts');
  const t1 = performance.now();
  const model = modelPath ? loadModelFile(modelPath) : loadModelFile();
  const t2 = performance.now();
  const [entry] = listCorpus().filter((e) => e.split === 'test');
  const raw = entry ? readEntry(entry) : Buffer.from('Subject: x\r\n\r\nx\r\n');
  const t3 = performance.now();
  await scanRawMessage(raw, {}, { ...DEFAULT_THRESHOLDS, model });
  const t4 = performance.now();
  const report: ColdReport = {
    importMs: t1 - t0,
    modelLoadMs: t2 - t1,
    initMs: t2 - t0,
    firstScanMs: t4 - t3,
    sinceProcessStartMs: t2,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Child: throughput and latency, sequential, after one warm-up pass. Prints one JSON line. */
async function speedChild(modelPath: string | undefined, rounds: number, pinned: boolean): Promise<void> {
  const { scanRawMessage, model } = await loadScanner(modelPath);
  const raws = listCorpus()
    .filter((e) => e.split === 'test')
    .map(readEntry);
  const settings = { ...DEFAULT_THRESHOLDS, model };
  for (const raw of raws) await scanRawMessage(raw, {}, settings); // warm-up
  const times: number[] = [];
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const raw of raws) {
      const t = performance.now();
      await scanRawMessage(raw, {}, settings);
      times.push(performance.now() - t);
    }
  }
  const elapsed = performance.now() - started;
  times.sort((a, b) => a - b);
  const report: SpeedReport = {
    messages: times.length,
    rounds,
    pinned,
    messagesPerSecond: times.length / (elapsed / 1000),
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    maxMs: times.at(-1) ?? 0,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/**
 * Cold init as the Lambda sees it: the scan modules bundled by esbuild the way the CDK
 * bundles the handlers (ESM, minified, node24), run in fresh processes. Reports the time from
 * process start until the model is loaded, minus the start-up of an empty Node process.
 */
async function measureBundledCold(
  modelPath: string,
): Promise<{ bundleBytes: number; initMs: number; sinceProcessStartMs: number; emptyNodeMs: number }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'graywall-bench-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `import { scanRawMessage } from ${JSON.stringify(join(ROOT, 'functions/core/scan/scan-message.ts'))};`,
        `import { loadModelFile } from ${JSON.stringify(join(ROOT, 'functions/adapters/load-model.ts'))};`,
        'const model = loadModelFile(process.argv[2]);',
        'const ready = performance.now();',
        "if (typeof scanRawMessage !== 'function' || !model) throw new Error('not loaded');",
        'process.stdout.write(JSON.stringify({ ready }));',
      ].join('\n'),
    );
    const outfile = join(dir, 'entry.mjs');
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      mainFields: ['module', 'main'],
      minify: true,
      banner: {
        js: "import { createRequire as __graywallCreateRequire } from 'node:module'; const require = __graywallCreateRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'process.stdout.write(JSON.stringify({ ready: performance.now() }));');
    const run = (file: string, args: readonly string[] = []): number => {
      const result = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`bundled cold init failed: ${result.stderr}`);
      return (JSON.parse(result.stdout) as { ready: number }).ready;
    };
    const median = (xs: number[]): number =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const ready = median([0, 1, 2, 3, 4].map(() => run(outfile, [modelPath])));
    const emptyNodeMs = median([0, 1, 2, 3, 4].map(() => run(empty)));
    return {
      bundleBytes: readFileSync(outfile).byteLength,
      initMs: ready - emptyNodeMs,
      sinceProcessStartMs: ready,
      emptyNodeMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

function runChild(args: readonly string[], pin: boolean): string {
  const node = process.execPath;
  const script = join(import.meta.dirname, 'bench.ts');
  const taskset = pin && hasTaskset();
  const [command, argv] = taskset
    ? ['taskset', ['-c', '0', node, script, ...args, ...(values.model ? ['--model', values.model] : [])]]
    : [node, [script, ...args, ...(values.model ? ['--model', values.model] : [])]];
  const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 10 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`bench child failed: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  return line;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// Accuracy

interface Counts {
  readonly spam: number;
  readonly easyHam: number;
  readonly hardHam: number;
}

interface Accuracy {
  readonly totals: Counts;
  readonly atSuspect: Counts;
  readonly atPositive: Counts;
  /** Lowest score cut with no easy ham at or above it, and what it catches. */
  readonly bestCutEasyHam0: { readonly threshold: number; readonly caught: Counts };
  readonly perGroup: Record<string, { n: number; suspect: number; positive: number }>;
  readonly unscannable: number;
}

async function scoreTestSplit(): Promise<{ scored: ScoredMessage[]; engineVersion: string }> {
  const { scanRawMessage, model } = await loadScanner(values.model);
  const scored: ScoredMessage[] = [];
  let engineVersion = '';
  for (const entry of listCorpus().filter((e) => e.split === 'test')) {
    const { result } = await scanRawMessage(readEntry(entry), {}, { ...DEFAULT_THRESHOLDS, model });
    engineVersion = result.engineVersion;
    scored.push({ entry, score: result.score, verdict: result.verdict });
  }
  return { scored, engineVersion };
}

function measureAccuracy(scored: readonly ScoredMessage[]): Accuracy {
  const count = (filter: (m: ScoredMessage) => boolean): Counts => ({
    spam: scored.filter((m) => m.entry.kind === 'spam' && filter(m)).length,
    easyHam: scored.filter((m) => m.entry.kind === 'easy-ham' && filter(m)).length,
    hardHam: scored.filter((m) => m.entry.kind === 'hard-ham' && filter(m)).length,
  });
  const easyMax = Math.max(...scored.filter((m) => m.entry.kind === 'easy-ham').map((m) => m.score));
  const threshold = easyMax + 1;
  const perGroup: Accuracy['perGroup'] = {};
  for (const m of scored) {
    const g = perGroup[m.entry.group] ?? { n: 0, suspect: 0, positive: 0 };
    g.n++;
    if (m.score >= DEFAULT_THRESHOLDS.suspectThreshold) g.suspect++;
    if (m.score >= DEFAULT_THRESHOLDS.positiveThreshold) g.positive++;
    perGroup[m.entry.group] = g;
  }
  return {
    totals: count(() => true),
    atSuspect: count((m) => m.score >= DEFAULT_THRESHOLDS.suspectThreshold),
    atPositive: count((m) => m.score >= DEFAULT_THRESHOLDS.positiveThreshold),
    bestCutEasyHam0: { threshold, caught: count((m) => m.score >= threshold) },
    perGroup,
    unscannable: scored.filter((m) => m.verdict === 'unscannable').length,
  };
}

// ---------------------------------------------------------------------------------------
// Peers, quoted from shared/peers/RESULTS.md (not re-run here)

const PEERS = {
  source:
    'shared/peers/RESULTS.md — measured 2026-11-25 by the peers session on Debian 12, 2 vCPUs (AMD EPYC), no network tests; not re-run by this bench',
  engines: [
    {
      engine: 'SpamAssassin 4.0.1, rules + Bayes (sa-learn on TRAIN)',
      threshold: '5.0',
      recall: '365/379 = 96.3%',
      easyHamFp: '0/780',
      hardHamFp: '1/50',
      easyHam0Cut: '> 3.9: 371/379 = 97.9%, hard ham 5/50',
      throughput: '6.58 msg/s (spamc per message); 119 ms/msg in spamd ≈ 8.4 msg/s',
    },
    {
      engine: 'SpamAssassin 4.0.1, rules only',
      threshold: '5.0',
      recall: '283/379 = 74.7%',
      easyHamFp: '14/780',
      hardHamFp: '4/50',
      easyHam0Cut: '> 6.4: 251/379 = 66.2%, hard ham 1/50',
      throughput: '7.85 msg/s; 103 ms/msg in spamd ≈ 9.7 msg/s',
    },
    {
      engine: 'Rspamd 3.4, rules + Bayes (rspamc learn on TRAIN), run D',
      threshold: '6 (add header)',
      recall: '347/379 = 91.6%',
      easyHamFp: '1/780',
      hardHamFp: '2/50',
      easyHam0Cut: '> 6.12: 314/379 = 82.9%, hard ham 2/50',
      throughput: '135–168 msg/s (final run 152), 6.0 ms/msg',
    },
    {
      engine: 'Rspamd 3.4, rules only',
      threshold: '6 (add header)',
      recall: '159/379 = 42.0%',
      easyHamFp: '8/780',
      hardHamFp: '1/50',
      easyHam0Cut: '> 7.79: 107/379 = 28.2%, hard ham 1/50',
      throughput: '217–253 msg/s (final run 225), 4.1 ms/msg',
    },
  ],
} as const;

const TARGETS = {
  spamAtSuspect: 0.99,
  easyHamFpAtSuspect: 0,
  hardHamFpAtSuspect: 1,
  messagesPerSecond: 500,
  p99Ms: 20,
  coldInitMs: 300,
} as const;

// ---------------------------------------------------------------------------------------

function ratio(n: number, d: number): string {
  return `${n}/${d} = ${((n / d) * 100).toFixed(1)}%`;
}

function machine(): { nproc: number; cpu: string; node: string; platform: string } {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc missing: keep os.cpus()
  }
  return {
    nproc,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main(): Promise<void> {
  if (values.child === 'cold') return coldChild(values.model);
  if (values.child === 'speed') {
    return speedChild(values.model, Number(values.rounds), process.env.GRAYWALL_BENCH_PINNED === '1');
  }

  const started = new Date();
  process.stderr.write('scoring the TEST split...\n');
  const { scored, engineVersion } = await scoreTestSplit();
  const accuracy = measureAccuracy(scored);

  process.stderr.write('measuring throughput on one core...\n');
  const pinned = hasTaskset();
  process.env.GRAYWALL_BENCH_PINNED = pinned ? '1' : '0';
  const speed = JSON.parse(
    runChild(['--child', 'speed', '--rounds', String(values.rounds)], true),
  ) as SpeedReport;

  process.stderr.write('measuring cold init in fresh processes...\n');
  const colds = [0, 1, 2, 3, 4].map(() => JSON.parse(runChild(['--child', 'cold'], false)) as ColdReport);
  const cold = [...colds].sort((a, b) => a.initMs - b.initMs)[2] as ColdReport; // median of 5
  const bundled = await measureBundledCold(
    values.model ?? join(ROOT, 'functions/core/scan/model/graywall-model.json'),
  );

  const t = accuracy.totals;
  const s = accuracy.atSuspect;
  const p = accuracy.atPositive;
  const best = accuracy.bestCutEasyHam0;
  const env = machine();
  const met = {
    spamAtSuspect: s.spam / t.spam >= TARGETS.spamAtSuspect,
    easyHamFpAtSuspect: s.easyHam <= TARGETS.easyHamFpAtSuspect,
    hardHamFpAtSuspect: s.hardHam <= TARGETS.hardHamFpAtSuspect,
    messagesPerSecond: speed.messagesPerSecond >= TARGETS.messagesPerSecond,
    p99Ms: speed.p99Ms <= TARGETS.p99Ms,
    coldInitMs: cold.initMs <= TARGETS.coldInitMs,
    coldInitBundledMs: bundled.initMs <= TARGETS.coldInitMs,
  };
  const modelInfo = JSON.parse(
    readFileSync(values.model ?? join(ROOT, 'functions/core/scan/model/graywall-model.json'), 'utf8'),
  ) as { version: string; features: number; calibration: unknown };

  const json = {
    date: started.toISOString(),
    machine: env,
    engineVersion,
    model: { version: modelInfo.version, features: modelInfo.features, calibration: modelInfo.calibration },
    split: { spam: t.spam, easyHam: t.easyHam, hardHam: t.hardHam },
    thresholds: DEFAULT_THRESHOLDS,
    accuracy: {
      atSuspect: { ...s, spamRecall: s.spam / t.spam },
      atPositive: { ...p, spamRecall: p.spam / t.spam },
      bestCutWithEasyHam0: {
        threshold: best.threshold,
        ...best.caught,
        spamRecall: best.caught.spam / t.spam,
      },
      perGroup: accuracy.perGroup,
      unscannable: accuracy.unscannable,
    },
    speed: { ...speed, cold, coldRuns: colds, coldBundled: bundled },
    targets: TARGETS,
    targetsMet: met,
    peers: PEERS,
  };

  const yes = (ok: boolean): string => (ok ? 'met' : '**not met**');
  const rows: string[][] = [
    ['spam caught at suspect (score ≥ 50)', ratio(s.spam, t.spam), '≥ 99%', yes(met.spamAtSuspect)],
    ['easy-ham FP at suspect', ratio(s.easyHam, t.easyHam), '0', yes(met.easyHamFpAtSuspect)],
    ['hard-ham FP at suspect', ratio(s.hardHam, t.hardHam), '≤ 1', yes(met.hardHamFpAtSuspect)],
    ['spam caught at positive (score ≥ 90)', ratio(p.spam, t.spam), '', ''],
    ['easy-ham FP at positive', ratio(p.easyHam, t.easyHam), '', ''],
    ['hard-ham FP at positive', ratio(p.hardHam, t.hardHam), '', ''],
    [
      `best catch with 0 easy-ham FP (score ≥ ${best.threshold})`,
      `${ratio(best.caught.spam, t.spam)}; hard ham ${best.caught.hardHam}/${t.hardHam}`,
      '',
      '',
    ],
    [
      `throughput, one core${speed.pinned ? ' (taskset -c 0)' : ''}, sequential, after warm-up`,
      `${speed.messagesPerSecond.toFixed(0)} msg/s (${speed.messages} scans)`,
      '≥ 500',
      yes(met.messagesPerSecond),
    ],
    ['p50 per message', `${speed.p50Ms.toFixed(2)} ms`, '', ''],
    [
      'p99 per message',
      `${speed.p99Ms.toFixed(2)} ms (max ${speed.maxMs.toFixed(1)} ms)`,
      '≤ 20 ms',
      yes(met.p99Ms),
    ],
    [
      'cold init: import + model load (fresh process, median of 5)',
      `${cold.initMs.toFixed(0)} ms (import ${cold.importMs.toFixed(0)} + model ${cold.modelLoadMs.toFixed(0)}); first scan ${cold.firstScanMs.toFixed(1)} ms; ${cold.sinceProcessStartMs.toFixed(0)} ms since process start`,
      '≤ 300 ms',
      yes(met.coldInitMs),
    ],
    [
      'cold init, esbuild bundle as deployed (fresh process, median of 5)',
      `${bundled.initMs.toFixed(0)} ms (${bundled.sinceProcessStartMs.toFixed(0)} ms since process start − ${bundled.emptyNodeMs.toFixed(0)} ms empty Node start; bundle ${(bundled.bundleBytes / 1024).toFixed(0)} KiB)`,
      '≤ 300 ms',
      yes(met.coldInitBundledMs),
    ],
  ];
  const table = markdownTable(['figure (TEST split)', 'Graywall', 'target', ''], rows);
  const groupTable = markdownTable(
    ['group', 'n', '≥ 50', '≥ 90'],
    Object.entries(accuracy.perGroup).map(([g, c]) => [
      g,
      String(c.n),
      String(c.suspect),
      String(c.positive),
    ]),
  );
  const peerTable = markdownTable(
    [
      'engine',
      'threshold',
      'spam recall',
      'easy-ham FP',
      'hard-ham FP',
      'best with 0 easy-ham FP',
      'throughput',
    ],
    [
      [
        `**Graywall** (${engineVersion})`,
        '50 (suspect)',
        ratio(s.spam, t.spam),
        `${s.easyHam}/${t.easyHam}`,
        `${s.hardHam}/${t.hardHam}`,
        `≥ ${best.threshold}: ${ratio(best.caught.spam, t.spam)}, hard ham ${best.caught.hardHam}/${t.hardHam}`,
        `${speed.messagesPerSecond.toFixed(0)} msg/s, p50 ${speed.p50Ms.toFixed(2)} ms`,
      ],
      [
        `**Graywall** (${engineVersion})`,
        '90 (positive)',
        ratio(p.spam, t.spam),
        `${p.easyHam}/${t.easyHam}`,
        `${p.hardHam}/${t.hardHam}`,
        '',
        '',
      ],
      ...PEERS.engines.map((e) => [
        e.engine,
        e.threshold,
        e.recall,
        e.easyHamFp,
        e.hardHamFp,
        e.easyHam0Cut,
        e.throughput,
      ]),
    ],
  );

  process.stdout.write(`\n${table}\n\n${groupTable}\n\n${peerTable}\n`);

  const md = `# Benchmarks

Generated by \`npm run bench\` (bin/bench.ts) on ${started.toISOString()}.
Machine: \`nproc\` = ${env.nproc}, CPU ${env.cpu}, Node ${env.node} (${env.platform}).
Engine: \`${engineVersion}\`; model ${modelInfo.version} (${modelInfo.features} features).

Corpus and split: shared/CORPUS.md (TEST = index % 5 == 4 in each group: ${t.spam} spam,
${t.easyHam} easy ham, ${t.hardHam} hard ham). The model was trained on TRAIN only (\`npm run train\`),
with hyper-parameters and calibration chosen by cross-validation inside TRAIN. Every message went
through \`scanRawMessage\` (the scan Lambda's use case: MIME parse, rules, statistical classifier)
with the default thresholds, suspect 50 and positive 90. This is a benchmark, not a test.

## Our figures

${table}

Per group (messages scoring at or above each threshold):

${groupTable}

Speed: throughput and latency come from a child process ${speed.pinned ? 'pinned to one core with `taskset -c 0`' : '(taskset unavailable: not pinned)'},
scanning the ${t.spam + t.easyHam + t.hardHam} TEST messages from memory one after another (${speed.rounds} rounds after a
warm-up round; file reading excluded). Cold init is the median of 5 fresh processes: importing the scan
modules (mailparser included) and loading the model; "since process start" adds Node's own start-up.
The first cold-init row runs the TypeScript sources through Node's type stripping (as \`npm run\` and the
CLI do); the second runs an esbuild bundle of the same modules built like the CDK bundles the Lambdas
(ESM, minified, node24), which is what a Lambda cold start pays.

## Beside SpamAssassin and Rspamd

Peer figures are quoted from ${PEERS.source}. They come from a different machine and with all
network tests off (see caveats there), so the speed ratio is indicative only.

${peerTable}
`;
  if (!values['no-write']) {
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), md);
    writeFileSync(join(ROOT, 'BENCHMARKS.json'), `${JSON.stringify(json, null, 2)}\n`);
    process.stderr.write('wrote BENCHMARKS.md and BENCHMARKS.json\n');
  }
}

function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

await main();
