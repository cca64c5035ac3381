#!/usr/bin/env node
// `npm start`: the whole pipeline on this machine over embedded AWS emulators, plus a demo.
import { appendFileSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createAdminApiClient } from '../functions/adapters/admin-api-client.ts';
import { loadConfigFile } from '../functions/adapters/config-file.ts';
import { loadDnsFile } from '../functions/adapters/dns-file.ts';
import { createJsonLogger } from '../functions/adapters/json-logger.ts';
import { LOCAL_STATE_FILE, removeLocalState, writeLocalState } from '../functions/cli/local-state.ts';
import { oneLine } from '../functions/cli/terminal-text.ts';
import { ConfigError } from '../functions/core/errors.ts';
import { parseMessage } from '../functions/core/mime/parse-message.ts';
import { headerValues, readHeaderBlock } from '../functions/core/mime/raw-message.ts';
import { runDemo } from '../functions/local/demo.ts';
import { startGateway } from '../functions/local/gateway.ts';

/** Ends the process with a one-line error and the usage exit code, instead of a stack trace. */
function usageError(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const USAGE = `Usage: npm start -- [--config file.yaml] [--smtp-port N] [--api-port N] [--sink-port N] [--sink-dir DIR] [--deliver-to-config] [--dns FILE] [--no-demo] [-v]

  -c, --config FILE      the configuration (default: $GRAYWALL_CONFIG, else graywall.example.yaml)
  --smtp-port N          where the gateway receives mail over SMTP (default 2525; 0: any free port)
  --api-port N           the admin API, unsubscribe pages and admin web page (default 8787)
  --sink-port N          the built-in sink that stands in for your mail server (default 2526)
  --sink-dir DIR         also write what the sink receives to DIR as .eml files
  --deliver-to-config    deliver to the config's \`delivery\` instead of the built-in sink
  --dns FILE             DNS records (YAML) for the SPF, DKIM and DMARC checks on receipt, so
                         local senders can pass them (see README, "Try it locally")
  --no-demo              start without sending the demo messages
  -v, --verbose          print the JSON log lines (always written to .graywall/gateway.log)
  -h, --help             this text`;

let parsedArgs: ReturnType<typeof parseGatewayArgs>;
try {
  parsedArgs = parseGatewayArgs();
} catch (error) {
  usageError(`${(error as Error).message}\n${USAGE}`);
}
const { values } = parsedArgs;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function parseGatewayArgs() {
  return parseArgs({
    allowNegative: true,
    options: {
      config: { type: 'string', short: 'c' },
      'smtp-port': { type: 'string', default: '2525' },
      'api-port': { type: 'string', default: '8787' },
      'sink-port': { type: 'string', default: '2526' },
      'sink-dir': { type: 'string' },
      'deliver-to-config': { type: 'boolean', default: false },
      dns: { type: 'string' },
      demo: { type: 'boolean', default: true },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** A TCP port to listen on: 1-65535, or 0 for any free one. */
function port(option: 'smtp-port' | 'api-port' | 'sink-port'): number {
  const text = values[option];
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535)
    usageError(`--${option} must be a port number (0-65535), got "${text}"`);
  return value;
}
const ports = { smtpPort: port('smtp-port'), httpPort: port('api-port'), sinkPort: port('sink-port') };

const configPath = values.config ?? process.env.GRAYWALL_CONFIG ?? 'graywall.example.yaml';
let config: ReturnType<typeof loadConfigFile>;
try {
  config = loadConfigFile(configPath);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

let authResolver: ReturnType<typeof loadDnsFile> | undefined;
try {
  authResolver = values.dns ? loadDnsFile(values.dns) : undefined;
} catch (error) {
  if (error instanceof ConfigError) usageError(error.message);
  throw error;
}

mkdirSync('.graywall', { recursive: true });
const logFile = '.graywall/gateway.log';
const log = createJsonLogger({
  level: 'debug',
  write: (line) => {
    appendFileSync(logFile, `${line}\n`);
    if (values.verbose) process.stdout.write(`${line}\n`);
  },
});

const started = Date.now();
const gateway = await startGateway({
  config,
  log,
  ...ports,
  deliverTo: values['deliver-to-config'] ? 'config' : 'sink',
  ...(authResolver ? { authResolver } : {}),
  // In AWS a scheduled function runs the due unsubscribe retries; here a timer does.
  unsubscribeRetryEveryMs: 30_000,
  ...(values['sink-dir'] ? { sinkDir: values['sink-dir'] } : {}),
  onDelivered: async (message) => {
    const header = readHeaderBlock(message.raw);
    // The Subject decoded (RFC 2047 encoded words) from the header alone; its control
    // characters are shown, not sent to the terminal.
    const parsed = await parseMessage(message.raw.subarray(0, header.bodyStart)).catch(() => undefined);
    const subject = oneLine(parsed?.subject ?? headerValues(header, 'subject')[0] ?? '');
    const result = headerValues(header, 'x-graywall-result')[0] ?? '';
    process.stdout.write(
      `  ✉ delivered to ${message.recipients.join(', ')}: "${subject}"  [${result.split(';').slice(0, 3).join(';')}]\n`,
    );
  },
}).catch((error: NodeJS.ErrnoException) => {
  if (error instanceof ConfigError) return usageError(error.message);
  if (error.code !== 'EADDRINUSE') throw error;
  // Another gateway (or another program) has the port: say which and how to choose another.
  const address = error.message.replace(/^.*EADDRINUSE:? ?(address already in use)? ?/, '');
  return usageError(
    `Port in use${address ? ` (${address})` : ''}: is another gateway running? Stop it, or choose other ports with --smtp-port, --api-port and --sink-port.`,
  );
});
writeLocalState({
  apiUrl: gateway.apiUrl,
  smtp: gateway.smtp,
  ...(gateway.sink ? { sinkPort: gateway.sink.port } : {}),
  pid: process.pid,
  domains: config.domains,
});

const e = gateway.emulators.endpoints;
process.stdout.write(`
Graywall local gateway is up in ${Date.now() - started} ms (config: ${configPath})

  SMTP inbound, playing SES     smtp://127.0.0.1:${gateway.smtp.port}   accepts mail for ${config.domains.join(', ')}
  Admin API, playing API GW     ${gateway.apiUrl}/admin/quarantine
  Downstream mail host (sink)   ${gateway.sink ? `smtp://127.0.0.1:${gateway.sink.port}   deliveries are printed below` : `${config.delivery.type} (from config)`}
  Emulators                     DynamoDB ${e.dynamodb}   S3+SQS ${e.s3}   SES ${e.ses}
  Logs (JSON, one per line)     ${logFile}${values.verbose ? ' (and stdout)' : ''}
  Where the CLI finds this      ${LOCAL_STATE_FILE}

Try:  npx graywall demo        send example mail and see what happens to it
      npx graywall quarantine list
      swaks --server 127.0.0.1:${gateway.smtp.port} --to you@${config.domains[0]} --header 'X-Advertisement: spam'

`);

if (values.demo) {
  process.stdout.write('Demo: sending four example messages\n');
  try {
    await runDemo({
      smtp: gateway.smtp,
      api: createAdminApiClient({ baseUrl: gateway.apiUrl }),
      recipient: `demo@${config.domains[0]}`,
      print: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write('\nRelease a quarantined one:  npx graywall quarantine release <message-id>\n');
  } catch (error) {
    process.stdout.write(`Demo failed: ${(error as Error).message} (details in ${logFile})\n`);
  }
}
process.stdout.write('\nPress Ctrl-C to stop.\n');

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping...\n');
  removeLocalState(process.pid);
  await gateway.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
