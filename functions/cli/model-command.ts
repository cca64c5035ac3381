import type { AdminApiCall } from '../adapters/admin-api-client.ts';
import type { ModelHistory, ModelStatus } from '../app/model-admin.ts';
import type { ModelEvaluation } from '../app/model-versions.ts';
import { table } from './format.ts';
import { modelRetrainCommand } from './model-retrain-command.ts';
import { UsageError } from './usage-error.ts';

export interface ModelValues {
  readonly json?: boolean | undefined;
}

export interface ModelOutput {
  readonly out: (text: string) => void;
  readonly json: (value: unknown) => void;
}

/**
 * `graywall model [status|history|rollback VERSION|retrain]`: which statistical model the
 * functions scan with, the stored versions, and going back to an earlier one. One exported
 * function per sub-command; `modelCommand` only dispatches.
 */
export async function modelCommand(
  api: AdminApiCall,
  sub: string | undefined,
  rest: readonly string[],
  values: ModelValues,
  io: ModelOutput,
): Promise<number> {
  switch (sub) {
    case undefined:
    case 'status':
      return modelStatusCommand(api, values, io);
    case 'history':
      return modelHistoryCommand(api, values, io);
    case 'rollback':
      return modelRollbackCommand(api, rest, values, io);
    case 'promote':
      return modelPromoteCommand(api, rest, values, io);
    case 'retrain':
      return modelRetrainCommand(api, values, io);
    default:
      throw new UsageError(`unknown model command "${sub}"`);
  }
}

/** `graywall model`: the current versions and when each last changed. */
export async function modelStatusCommand(
  api: AdminApiCall,
  values: ModelValues,
  io: ModelOutput,
): Promise<number> {
  const status = await api<ModelStatus>('GET', '/admin/model');
  values.json ? io.json(status) : io.out(formatModelStatus(status));
  return 0;
}

/** `graywall model history`: every stored version, newest first, and the bundled one. */
export async function modelHistoryCommand(
  api: AdminApiCall,
  values: ModelValues,
  io: ModelOutput,
): Promise<number> {
  const history = await api<ModelHistory>('GET', '/admin/model/versions');
  values.json ? io.json(history) : io.out(formatModelHistory(history));
  return 0;
}

/** `graywall model rollback VERSION|bundled`: make an earlier version current again. */
export function modelRollbackCommand(
  api: AdminApiCall,
  rest: readonly string[],
  values: ModelValues,
  io: ModelOutput,
): Promise<number> {
  return switchModel(api, rest, values, io, 'rollback');
}

/** `graywall model promote VERSION`: put a version that passed the held-out check into service. */
export function modelPromoteCommand(
  api: AdminApiCall,
  rest: readonly string[],
  values: ModelValues,
  io: ModelOutput,
): Promise<number> {
  return switchModel(api, rest, values, io, 'promote');
}

async function switchModel(
  api: AdminApiCall,
  rest: readonly string[],
  values: ModelValues,
  io: ModelOutput,
  how: 'rollback' | 'promote',
): Promise<number> {
  const [version, extra] = rest;
  if (!version || extra !== undefined)
    throw new UsageError(
      how === 'promote'
        ? 'model promote needs one version waiting for promotion (see `graywall model history`)'
        : 'model rollback needs one version (see `graywall model history`) or "bundled"',
    );
  const status = await api<ModelStatus>('POST', `/admin/model/${how}`, {}, { version });
  if (values.json) io.json(status);
  else {
    const was = status.model.previous ? ` (was ${status.model.previous})` : '';
    io.out(
      `${how === 'promote' ? 'Promoted' : 'Rolled back'}: the current model is now ${describe(status.model.version, status)}${was}.\n` +
        `The functions switch to it within ${status.refreshSeconds} s; ` +
        (how === 'promote'
          ? `\`graywall model rollback ${status.model.previous ?? 'bundled'}\` goes back.`
          : 'mail already scanned keeps its engine version.'),
    );
  }
  return 0;
}

export function formatModelStatus(status: ModelStatus): string {
  const { model, rules } = status;
  const lines = [
    `Engine    ${status.engine}`,
    `Rules     ${rules.version}${rules.updated ? `, last changed ${rules.updated}` : ''} (ships with the deployment)`,
    `Model     ${describe(model.version, status)}`,
    model.updatedAt
      ? `          current since ${when(model.updatedAt)} by ${model.updatedBy ?? 'unknown'}${model.previous ? `, replacing ${model.previous}` : ''}`
      : '          current since the deployment (no version promoted yet)',
  ];
  if (model.record) {
    const r = model.record;
    lines.push(`          built ${when(r.createdAt)} by ${r.createdBy}, from ${r.baseVersion}`);
    if (r.statusReason)
      lines.push(
        `          ${r.statusReason.startsWith(r.status) ? r.statusReason : `${r.status}: ${r.statusReason}`}`,
      );
    if (r.evaluation) lines.push(`          held-out: ${formatEvaluation(r.evaluation)}`);
  }
  for (const version of status.pending ?? [])
    lines.push(
      `Waiting   ${version} passed the held-out check: \`graywall model promote ${version}\` puts it into service`,
    );
  lines.push(`Bundled   ${status.bundledVersion}`);
  if (status.problem) lines.push(`Problem   ${status.problem}; the functions keep their last good model`);
  lines.push(`The functions follow the current version within ${status.refreshSeconds} s.`);
  return lines.join('\n');
}

export function formatModelHistory(history: ModelHistory): string {
  const rows = history.versions.map((v) => [
    v.current ? '*' : '',
    v.version,
    v.status,
    when(v.createdAt),
    v.createdBy,
    v.evaluation ? formatEvaluation(v.evaluation) : '',
  ]);
  rows.push([
    history.bundled.current ? '*' : '',
    history.bundled.version,
    'bundled',
    '',
    'the deployment',
    '',
  ]);
  // The reasons in full below the table: cut to a column, a refusal's figures were lost.
  const reasons = history.versions
    .filter((v) => v.statusReason)
    .map((v) => `${v.version}: ${v.statusReason}`);
  return [
    table(['', 'VERSION', 'STATUS', 'CREATED', 'BY', 'HELD-OUT'], rows, 90),
    '* current; "bundled" is the rollback target for the model shipped with the deployment',
    ...(reasons.length > 0 ? ['', 'Why:', ...reasons.map((r) => `  ${r}`)] : []),
  ].join('\n');
}

function describe(version: string, status: ModelStatus): string {
  return version === status.bundledVersion ? `${version} (bundled)` : `${version} (promoted)`;
}

function formatEvaluation(e: ModelEvaluation): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return `spam caught ${pct(e.recallSuspect)} (${pct(e.recallPositive)} positive), false positives ${pct(e.falsePositiveRate)} (hard ham ${pct(e.hardHamFalsePositiveRate)})`;
}

function when(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}
