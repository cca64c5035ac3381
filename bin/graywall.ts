#!/usr/bin/env node
// The `graywall` operator CLI: quarantine, tracking and the local demo, over the admin API.
import { runCli } from '../functions/cli/run-cli.ts';

// `graywall scan ./maildir --json | head`: when the reader stops reading, stop quietly, as
// Unix tools do, instead of failing on the next write with an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
});
process.exitCode = code;
