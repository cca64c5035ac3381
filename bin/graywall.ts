#!/usr/bin/env node
// The `graywall` operator CLI: quarantine, tracking and the local demo, over the admin API.
import { runCli } from '../functions/cli/run-cli.ts';

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
