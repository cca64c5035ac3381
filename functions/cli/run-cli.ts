import { parseArgs } from 'node:util';
import {
  type AdminApiCall,
  ApiError,
  createAdminApiClient,
  profileRegion,
} from '../adapters/admin-api-client.ts';
import { loadConfigFile } from '../adapters/config-file.ts';
import { loadModelFile } from '../adapters/load-model.ts';
import type { AdminUiSessionLink } from '../app/admin-ui.ts';
import type { Page } from '../app/ports.ts';
import type { QuarantineDetail } from '../app/quarantine-admin.ts';
import type { QuarantineItem } from '../app/quarantine-item.ts';
import type { Report } from '../app/reporting.ts';
import { parseConfig } from '../core/config/parse-config.ts';
import type { GraywallConfig } from '../core/config/schema.ts';
import type { ListEntry } from '../core/lists/sender-lists.ts';
import { describeCategory, type SubmissionCategory } from '../core/submissions/submission.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';
import { runDemo } from '../local/demo.ts';
import {
  formatQuarantineList,
  formatTrackingList,
  formatTrackingRecord,
  formatWhy,
  table,
} from './format.ts';
import { formatReport } from './format-report.ts';
import { readLocalState } from './local-state.ts';
import { modelCommand } from './model-command.ts';
import { formatScanOutcome, scanInputs, scanOutcomeJson } from './scan-command.ts';
import { submissionsCommand, submitCommand } from './submissions-command.ts';
import { terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage-error.ts';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the local gateway state file is (tests point this at their own gateway). */
  readonly stateFile?: string;
  /** Standard input, for `graywall scan -`. */
  readonly readStdin?: () => Promise<Buffer>;
}

const USAGE = `graywall — operate a Graywall email filter

Usage:
  graywall quarantine list [--recipient ADDR] [--from ADDR] [--subject TEXT] [--since 7d] [--until TIME] [--state quarantined|released|deleted] [--limit N] [--cursor C]
  graywall quarantine show <message-id>
  graywall quarantine release <message-id> [--recipient ADDR ...] [--report-not-spam]
                                                    --report-not-spam also files it for training as a false positive
                                                    (held as marketing graymail: as not marketing); exit 1 if
                                                    nothing was released
  graywall quarantine delete <message-id> [--recipient ADDR ...]
  graywall track <message-id>                       full record: verdict, reasons, timeline ("why")
  graywall track [--from ADDR] [--rcpt ADDR] [--subject TEXT] [--message-id ID] [--state STATE]
                 [--verdict positive|suspect|clean|unscannable] [--since 2h] [--until TIME] [--limit N] [--cursor C]
                                                    lists show FROM (the From header, else the envelope sender);
                                                    --cursor C continues a list where "More: --cursor C" said
  graywall why <message-id>                         why the message was treated as it was, and what would change it
  graywall safelist|blocklist list [--for ADDR]      the organisation's list, or one recipient's
  graywall safelist|blocklist add ENTRY... [--for ADDR]
  graywall safelist|blocklist remove ENTRY... [--for ADDR]
                                                    ENTRY: sender@example.org, example.org or .example.org
  graywall submit --category CATEGORY (--id MESSAGE-ID | FILE.eml) [--note TEXT]
                                                    report misclassified mail: missed-spam, not-spam,
                                                    missed-marketing, not-marketing, missed-phishing
  graywall submissions [list] [--category C] [--since 30d] [--until TIME] [--limit N]
  graywall submissions show <submission-id>
  graywall submissions withdraw <submission-id>     take a report back: no later model version trains on it
  graywall digest send                              send end users their quarantine digests now
  graywall redrive inbound|graymail|action          move a stage's dead-lettered messages back to its queue,
                                                    once the cause of the failures is fixed
  graywall redeliver <message-id> [--recipient ADDR ...]
                                                    deliver again what the next hop refused for good, once
                                                    the cause is fixed (a relay rule, a mailbox created)
  graywall report [--since 7d] [--until TIME]       incoming mail summary per day, top spam and graymail senders
  graywall version                                  engine version the deployed functions run
  graywall model [status]                           current rules and model versions, when each last changed
  graywall model history                            every stored model version, newest first, and the bundled one
  graywall model rollback <version|bundled>         make an earlier model version current again (no redeploy)
  graywall model retrain                            update now: train a new model version on the submissions and
                                                    check it on held-out mail (runs in the background)
  graywall model promote <version>                  put a version that passed the check into service
  graywall ui [--minutes 60]                        a link to the admin web page (reports as charts, quarantine
                                                    search and release), signed for you, valid 1 hour by default
  graywall demo [--to ADDR]                         send example mail through the local gateway
  graywall scan FILE|DIR|- ... [--json] [--config FILE] [--model FILE]
                                                    score messages offline, like spamassassin -t: same
                                                    engine as the scan function, no gateway needed; the
                                                    bundled model, or --model a version's artifact (e.g.
                                                    aws s3 cp s3://BUCKET/models/versions/VERSION.json .)

Where:
  By default the CLI talks to the local gateway started by \`npm start\`.
  --api URL        another API (e.g. the AdminApiUrl output of the deployed stack)
  --aws            sign requests with AWS SigV4 (IAM-authorised admin API); credentials from
                   the usual AWS chain (env, profile, SSO); region from --region, else
                   the API URL, AWS_REGION or the profile
  --json           print JSON instead of tables
  Times are ISO 8601 (2026-11-25T10:00:00Z) or durations back from now (30m, 2h, 7d).
`;

/** Runs one CLI command; returns the process exit code. */
export async function runCli(argv: readonly string[], terminal: CliIo): Promise<number> {
  // Mail text reaches the terminal through here: never its control characters (terminal-text.ts).
  const io: CliIo = {
    ...terminal,
    out: (text) => terminal.out(terminalSafe(text)),
    err: (text) => terminal.err(terminalSafe(text)),
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === 'scan') return scanCommand(positionals.slice(1), values, io);
  try {
    const api = apiFor(values, io);
    const json = (value: unknown): void => io.out(JSON.stringify(value, null, 2));
    switch (command) {
      case 'quarantine':
        return await quarantine(api, sub, rest, values, io, json);
      case 'track':
        return await track(api, sub, values, io, json);
      case 'why': {
        if (!sub) throw new UsageError('why needs a message id');
        const record = await api<TrackingRecord>('GET', `/admin/messages/${encodeURIComponent(sub)}`);
        values.json ? json(record) : io.out(formatWhy(record));
        return 0;
      }
      case 'submit':
        return await submitCommand(
          api,
          [sub, ...rest].filter((f): f is string => f !== undefined),
          values,
          { out: io.out, json },
        );
      case 'submissions':
        return await submissionsCommand(api, sub, rest, values, { out: io.out, json });
      case 'model':
        return await modelCommand(api, sub, rest, values, { out: io.out, json });
      case 'safelist':
      case 'blocklist':
        return await senderList(api, command, sub, rest, values, io, json);
      case 'digest': {
        if (sub !== 'send') throw new UsageError('digest needs send');
        const run = await api<
          { recipients: number; messages: number; failed: string[] } | { started: true; detail: string }
        >('POST', '/admin/digests');
        if (values.json) json(run);
        else if ('started' in run) io.out(`Digest run started: ${run.detail}`);
        else {
          io.out(`Sent digests to ${run.recipients} recipient(s) listing ${run.messages} message(s)`);
          if (run.failed.length > 0)
            io.out(`Could not send to ${run.failed.join(', ')} (their messages go into the next digest)`);
        }
        return 0;
      }
      case 'redeliver': {
        if (!sub) throw new UsageError('redeliver needs a message id');
        const result = await api<{
          queued: string[];
          unchanged: Array<{ recipient: string; state: string }>;
        }>(
          'POST',
          `/admin/messages/${encodeURIComponent(sub)}/redeliver`,
          {},
          values.recipient ? { recipients: values.recipient } : {},
        );
        if (values.json) json(result);
        else {
          io.out(`Delivering again to ${result.queued.join(', ')} (graywall track ${sub} shows the outcome)`);
          for (const u of result.unchanged) io.out(`Not refused, left as it is: ${u.recipient} (${u.state})`);
        }
        return 0;
      }
      case 'redrive': {
        if (!sub) throw new UsageError('redrive needs a stage: inbound, graymail or action');
        const outcome = await api<{ stage: string; moved?: number; taskHandle?: string }>(
          'POST',
          `/admin/redrive/${encodeURIComponent(sub)}`,
        );
        if (values.json) json(outcome);
        else if (outcome.taskHandle !== undefined)
          io.out(
            `Moving the ${outcome.stage} dead letters back to its queue (SQS move task ${outcome.taskHandle}); ` +
              'aws sqs list-message-move-tasks --source-arn <dead-letter queue ARN> shows its progress',
          );
        else
          io.out(
            `Moved ${outcome.moved ?? 0} message(s) from the ${outcome.stage} dead-letter queue back to its queue`,
          );
        return 0;
      }
      case 'report': {
        const report = await api<Report>('GET', '/admin/reports', {
          since: values.since,
          until: values.until,
        });
        values.json ? json(report) : io.out(formatReport(report));
        return 0;
      }
      case 'ui': {
        const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
        const session = await api<AdminUiSessionLink>(
          'POST',
          '/admin/ui-session',
          {},
          minutes === undefined ? {} : { minutes },
        );
        if (values.json) json(session);
        else {
          io.out(
            `Admin web page for ${session.principal}, valid until ${session.expiresAt.slice(0, 16).replace('T', ' ')} UTC:`,
          );
          io.out(session.url);
        }
        return 0;
      }
      case 'version': {
        const version = await api<{ engine: string }>('GET', '/admin/version');
        values.json ? json(version) : io.out(`engine ${version.engine}`);
        return 0;
      }
      case 'demo': {
        const state = readLocalState(io.stateFile);
        if (!state) throw new UsageError('the demo needs the local gateway: run `npm start` first');
        const to = values.to ?? `demo@${state.domains[0] ?? 'example.com'}`;
        io.out(`Sending example mail to ${to} through smtp://${state.smtp.host}:${state.smtp.port} ...`);
        await runDemo({ smtp: state.smtp, api, recipient: to, print: io.out });
        io.out(
          '\nSee the quarantine:   npx graywall quarantine list\nAsk why:              npx graywall track <message-id>',
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') {
      io.err('error: cannot reach the API. Is the local gateway running (`npm start`)? Or pass --api URL.');
      return 1;
    }
    io.err(`error: ${(error as Error).message}`);
    return 1;
  }
}

async function scanCommand(inputs: string[], values: Values, io: CliIo): Promise<number> {
  if (inputs.length === 0) {
    io.err(`scan needs files, directories or - (standard input)\n\n${USAGE}`);
    return 2;
  }
  let config: GraywallConfig;
  try {
    config = values.config
      ? loadConfigFile(values.config)
      : parseConfig('domains: [example.com]\ndelivery: { type: smtp, host: localhost }', 'defaults');
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }
  if (values.model) {
    // Checked once up front, so a wrong path fails the command instead of every file.
    try {
      loadModelFile(values.model);
    } catch (error) {
      io.err(`--model ${values.model}: ${(error as Error).message}`);
      return 2;
    }
  }
  const stdin = io.readStdin ?? (async () => Buffer.alloc(0));
  let failed = 0;
  for await (const outcome of scanInputs(inputs, config, stdin, values.model)) {
    if (outcome.error) failed += 1;
    io.out(values.json ? scanOutcomeJson(outcome) : `${formatScanOutcome(outcome)}\n`);
  }
  return failed > 0 ? 1 : 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      aws: { type: 'boolean' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      recipient: { type: 'string', multiple: true },
      sender: { type: 'string' },
      from: { type: 'string' },
      rcpt: { type: 'string' },
      subject: { type: 'string' },
      'message-id': { type: 'string' },
      verdict: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      state: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      to: { type: 'string' },
      for: { type: 'string' },
      config: { type: 'string' },
      model: { type: 'string' },
      minutes: { type: 'string' },
      category: { type: 'string' },
      id: { type: 'string' },
      note: { type: 'string' },
      'report-not-spam': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function apiFor(values: Values, io: CliIo): AdminApiCall {
  const baseUrl = values.api ?? io.env.GRAYWALL_API_URL ?? readLocalState(io.stateFile)?.apiUrl;
  if (!baseUrl) {
    throw new UsageError(
      'no API to talk to: start the local gateway with `npm start`, or pass --api URL (the stack output AdminApiUrl)',
    );
  }
  if (!values.aws) return createAdminApiClient({ baseUrl });
  const region =
    values.region ??
    regionOfApiUrl(baseUrl) ??
    io.env.AWS_REGION ??
    io.env.AWS_DEFAULT_REGION ??
    profileRegion;
  return createAdminApiClient({ baseUrl, sigv4: { region } });
}

/** The region in an API Gateway URL: https://<id>.execute-api.<region>.amazonaws.com[.cn]/... */
export function regionOfApiUrl(url: string): string | undefined {
  try {
    return /^[a-z0-9]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/.exec(
      new URL(url).hostname.replace(/\.$/, ''),
    )?.[1];
  } catch {
    return undefined;
  }
}

async function quarantine(
  api: AdminApiCall,
  sub: string | undefined,
  rest: string[],
  values: Values,
  io: CliIo,
  json: (value: unknown) => void,
): Promise<number> {
  const id = rest[0];
  const needId = (): string => {
    if (!id) throw new UsageError(`quarantine ${sub} needs a message id`);
    return id;
  };
  switch (sub) {
    case 'list': {
      const page = await api<Page<QuarantineItem>>('GET', '/admin/quarantine', {
        recipient: values.recipient?.[0],
        sender: values.from ?? values.sender,
        subject: values.subject,
        since: values.since,
        until: values.until,
        state: values.state,
        limit: values.limit,
        cursor: values.cursor,
      });
      if (values.json) json(page);
      else {
        io.out(formatQuarantineList(page.items));
        if (page.cursor) io.out(`\nMore: --cursor ${page.cursor}`);
      }
      return 0;
    }
    case 'show': {
      const detail = await api<QuarantineDetail>('GET', `/admin/quarantine/${encodeURIComponent(needId())}`);
      if (values.json) json(detail);
      else {
        io.out(formatQuarantineList(detail.items));
        if (detail.tracking) io.out(`\n${formatTrackingRecord(detail.tracking)}`);
      }
      return 0;
    }
    case 'release': {
      const body = {
        ...(values.recipient ? { recipients: values.recipient } : {}),
        ...(values['report-not-spam'] ? { reportNotSpam: true } : {}),
      };
      const result = await api<{
        released: string[];
        unchanged: Array<{ recipient: string; state: string }>;
        submission?: { id: string; category: SubmissionCategory };
        notReported?: string;
      }>('POST', `/admin/quarantine/${encodeURIComponent(needId())}/release`, {}, body);
      if (values.json) json(result);
      else {
        if (result.released.length > 0) io.out(`Released and delivered to ${result.released.join(', ')}`);
        for (const u of result.unchanged) io.out(`Not released for ${u.recipient}: already ${u.state}`);
        if (result.submission)
          io.out(
            `Reported as ${describeCategory(result.submission.category)}: submission ${result.submission.id}`,
          );
        if (result.notReported) io.out(`Not reported: ${result.notReported}`);
      }
      // Nothing released (every copy already released or deleted): a script should know.
      return result.released.length > 0 ? 0 : 1;
    }
    case 'delete': {
      const result = await api<{ deleted: string[]; unchanged: Array<{ recipient: string; state: string }> }>(
        'DELETE',
        `/admin/quarantine/${encodeURIComponent(needId())}`,
        { recipient: values.recipient?.join(',') },
      );
      if (values.json) json(result);
      else {
        if (result.deleted.length > 0) io.out(`Deleted for ${result.deleted.join(', ')}`);
        for (const u of result.unchanged) io.out(`Not deleted for ${u.recipient}: already ${u.state}`);
      }
      return result.deleted.length > 0 ? 0 : 1;
    }
    default:
      throw new UsageError(
        sub ? `unknown quarantine command "${sub}"` : 'quarantine needs list, show, release or delete',
      );
  }
}

async function senderList(
  api: AdminApiCall,
  list: 'safelist' | 'blocklist',
  sub: string | undefined,
  entries: string[],
  values: Values,
  io: CliIo,
  json: (value: unknown) => void,
): Promise<number> {
  const path = `/admin/lists/${list}`;
  const whose = values.for ? `${values.for}'s ${list}` : `the organisation's ${list}`;
  switch (sub) {
    case 'list': {
      const result = await api<{ items: ListEntry[] }>('GET', path, { for: values.for });
      if (values.json) json(result);
      else if (result.items.length === 0) io.out(`${whose} is empty.`);
      else
        io.out(
          table(
            ['ENTRY', 'ADDED BY', 'ADDED AT'],
            result.items.map((e) => [e.entry, e.addedBy, e.addedAt.slice(0, 19).replace('T', ' ')]),
            70,
          ),
        );
      return 0;
    }
    case 'add': {
      if (entries.length === 0) throw new UsageError(`${list} add needs at least one entry`);
      const result = await api<{ added: ListEntry[] }>(
        'POST',
        path,
        {},
        { entries, ...(values.for ? { for: values.for } : {}) },
      );
      values.json
        ? json(result)
        : io.out(`Added to ${whose}: ${result.added.map((e) => e.entry).join(', ')}`);
      return 0;
    }
    case 'remove': {
      if (entries.length === 0) throw new UsageError(`${list} remove needs at least one entry`);
      const result = await api<{ removed: string[]; absent: string[] }>('DELETE', path, {
        entry: entries.join(','),
        for: values.for,
      });
      if (values.json) json(result);
      else {
        if (result.removed.length > 0) io.out(`Removed from ${whose}: ${result.removed.join(', ')}`);
        if (result.absent.length > 0) io.out(`Not on ${whose}: ${result.absent.join(', ')}`);
      }
      return 0;
    }
    default:
      throw new UsageError(`${list} needs list, add or remove`);
  }
}

async function track(
  api: AdminApiCall,
  id: string | undefined,
  values: Values,
  io: CliIo,
  json: (value: unknown) => void,
): Promise<number> {
  if (id) {
    const record = await api<TrackingRecord>('GET', `/admin/messages/${encodeURIComponent(id)}`);
    values.json ? json(record) : io.out(formatTrackingRecord(record));
    return 0;
  }
  const page = await api<Page<TrackingRecord>>('GET', '/admin/messages', {
    sender: values.from ?? values.sender,
    recipient: values.rcpt ?? values.recipient?.[0],
    subject: values.subject,
    messageIdHeader: values['message-id'],
    state: values.state,
    verdict: values.verdict,
    since: values.since,
    until: values.until,
    limit: values.limit,
    cursor: values.cursor,
  });
  if (values.json) json(page);
  else {
    io.out(formatTrackingList(page.items));
    if (page.cursor) io.out(`\nMore: --cursor ${page.cursor}`);
  }
  return 0;
}
