import { readFile } from 'node:fs/promises';
import type { AdminApiCall } from '../adapters/admin-api-client.ts';
import type { Page } from '../app/ports.ts';
import type { ListedSubmission } from '../app/submissions.ts';
import { MAX_UPLOAD_BYTES, type Submission } from '../core/submissions/submission.ts';
import { table } from './format.ts';
import { oneLine } from './terminal-text.ts';
import { UsageError } from './usage-error.ts';

export interface SubmissionValues {
  readonly category?: string | undefined;
  readonly id?: string | undefined;
  readonly note?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly limit?: string | undefined;
  readonly cursor?: string | undefined;
  readonly json?: boolean | undefined;
}

interface Output {
  readonly out: (text: string) => void;
  readonly json: (value: unknown) => void;
}

/**
 * `graywall submit`: report a misclassified message, by its tracking id or as an .eml file.
 * The file is sent base64-encoded in the request (the API takes messages up to 4 MiB this way).
 */
export async function submitCommand(
  api: AdminApiCall,
  files: readonly string[],
  values: SubmissionValues,
  io: Output,
): Promise<number> {
  if (!values.category)
    throw new UsageError(
      'submit needs --category (missed-spam, not-spam, missed-marketing, not-marketing, missed-phishing)',
    );
  if ((values.id === undefined) === (files.length === 0))
    throw new UsageError('submit needs either --id MESSAGE-ID or one .eml file');
  if (files.length > 1) throw new UsageError('submit takes one .eml file at a time');
  const eml = files[0] ? await readFile(files[0] as string) : undefined;
  // Said here, before the upload: past the limit the API's own answer is a bare 413.
  if (eml && eml.byteLength > MAX_UPLOAD_BYTES)
    throw new UsageError(
      `${files[0]} is ${eml.byteLength} bytes; uploads take at most ${MAX_UPLOAD_BYTES} bytes (submit a message Graywall handled with --id instead)`,
    );
  const body = {
    category: values.category,
    ...(values.id ? { messageId: values.id } : {}),
    ...(eml ? { eml: eml.toString('base64') } : {}),
    ...(values.note ? { note: values.note } : {}),
  };
  const submission = await api<Submission>('POST', '/admin/submissions', {}, body);
  if (values.json) io.json(submission);
  else
    io.out(
      `Filed submission ${submission.id}: ${submission.category}, ${submission.subject ?? '(no subject)'}`,
    );
  return 0;
}

/** `graywall submissions [list|show ID|withdraw ID]`. */
export async function submissionsCommand(
  api: AdminApiCall,
  sub: string | undefined,
  rest: readonly string[],
  values: SubmissionValues,
  io: Output,
): Promise<number> {
  if (sub === 'show') {
    const id = rest[0];
    if (!id) throw new UsageError('submissions show needs a submission id');
    const submission = await api<ListedSubmission>('GET', `/admin/submissions/${encodeURIComponent(id)}`);
    values.json ? io.json(submission) : io.out(formatSubmission(submission));
    return 0;
  }
  if (sub === 'withdraw') {
    const [id, extra] = rest;
    if (!id || extra !== undefined) throw new UsageError('submissions withdraw needs one submission id');
    const submission = await api<ListedSubmission>(
      'POST',
      `/admin/submissions/${encodeURIComponent(id)}/withdraw`,
      {},
      {},
    );
    if (values.json) io.json(submission);
    else
      io.out(
        `Withdrawn: submission ${submission.id} trains no later model version.\n` +
          'Versions already built keep it: `graywall model history` shows which; roll back or leave a pending one unpromoted.',
      );
    return 0;
  }
  if (sub !== undefined && sub !== 'list') throw new UsageError(`unknown submissions command "${sub}"`);
  const page = await api<Page<ListedSubmission>>('GET', '/admin/submissions', {
    since: values.since,
    until: values.until,
    category: values.category,
    limit: values.limit,
    cursor: values.cursor,
  });
  if (values.json) io.json(page);
  else {
    io.out(formatSubmissionList(page.items));
    if (page.cursor) io.out(`\nMore: --cursor ${page.cursor}`);
  }
  return 0;
}

function formatSubmissionList(items: readonly ListedSubmission[]): string {
  if (items.length === 0) return 'No submissions in this window.';
  return table(
    ['SUBMITTED', 'ID', 'CATEGORY', 'BY', 'FROM', 'SUBJECT', 'WAS', 'STATUS'],
    items.map((s) => [
      s.submittedAt.slice(0, 19).replace('T', ' '),
      s.id,
      s.category,
      s.submittedBy,
      s.from ?? '',
      s.subject ?? '',
      s.verdict ? `${s.verdict.spam} ${s.verdict.score}` : '',
      s.status,
    ]),
  );
}

function formatSubmission(s: ListedSubmission): string {
  return [
    `Submission ${s.id}`,
    `Category   ${s.category} (${s.source})`,
    `By         ${s.submittedBy} at ${s.submittedAt}`,
    `Message    ${s.messageId ?? '(uploaded .eml)'}, ${s.size} bytes`,
    `From       ${oneLine(s.from ?? '-')}`,
    `Subject    ${oneLine(s.subject ?? '-')}`,
    ...(s.verdict
      ? [
          `Was        ${s.verdict.spam}, score ${s.verdict.score}${s.verdict.graymail ? `, graymail ${s.verdict.graymail}` : ''}`,
        ]
      : []),
    ...(s.note ? [`Note       ${oneLine(s.note)}`] : []),
    `Status     ${s.status}`,
  ].join('\n');
}
