import { createHash, randomBytes } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../core/errors.ts';
import { INCOMING_RETENTION_DAYS } from '../core/mime/mail-keys.ts';
import { parseMessage } from '../core/mime/parse-message.ts';
import { readHeaderBlock } from '../core/mime/raw-message.ts';
import { testSignalIn } from '../core/scan/rules/index.ts';
import {
  describeCategory,
  MAX_UPLOAD_BYTES,
  newSubmissionId,
  type Submission,
  type SubmissionCategory,
  type SubmissionSource,
} from '../core/submissions/submission.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';
import type { Page, SubmissionQuery } from './ports.ts';
import { type QuarantineOutcome, releaseQuarantined } from './quarantine-admin.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

/** Header fields every mail program writes at least one of (RFC 5322 §3.6; Received, RFC 5321 §4.4). */
const MESSAGE_FIELDS: ReadonlySet<string> = new Set([
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'received',
]);

export interface SubmitRequest {
  readonly category: SubmissionCategory;
  readonly source: SubmissionSource;
  readonly submittedBy: string;
  /** A message Graywall handled: its SES message id (the tracking id). */
  readonly messageId?: string;
  /** Or the message itself, e.g. an .eml a user saved or forwarded. */
  readonly raw?: Uint8Array;
  readonly note?: string;
}

/**
 * Files a report of misclassified mail: a copy of the message beside who reported it, when
 * and as what, for the next training run. A tracked message also gets the report in its
 * history, so "why was this delivered" shows that someone said it was wrong.
 */
export async function submitMessage(deps: PipelineDeps, request: SubmitRequest): Promise<Submission> {
  const { clock, log } = deps;
  if ((request.messageId === undefined) === (request.raw === undefined)) {
    throw new BadRequestError('give either messageId (a tracked message) or the message itself, not both');
  }
  const record = request.messageId ? await deps.tracking.get(request.messageId) : undefined;
  if (request.messageId && !record) throw new NotFoundError(`no tracked message ${request.messageId}`);
  const raw = request.raw ?? (await storedCopy(deps, record as TrackingRecord));
  if (raw.byteLength === 0) throw new BadRequestError('the message is empty');
  if (request.raw && raw.byteLength > MAX_UPLOAD_BYTES) {
    throw new BadRequestError(
      `the message is ${raw.byteLength} bytes; a reported message may be at most ${MAX_UPLOAD_BYTES} bytes`,
    );
  }
  // Not a message at all (a picture, a zip): nothing to learn from, and a model must not try.
  // Any binary with a colon early on reads as "a header field"; mail has one of these.
  if (request.raw && !readHeaderBlock(raw).fields.some((f) => MESSAGE_FIELDS.has(f.key)))
    throw new BadRequestError(
      'this is not an email message: it has none of the header fields mail has (From:, To:, Subject:, Date:, Message-ID:, Received:)',
    );
  // Malformed mail is still worth learning from: headers are shown when they can be read.
  const parsed = await parseMessage(raw).catch(() => undefined);
  // GTUBE or X-Advertisement: spam (the demo sends both): spam by definition whatever the
  // words around it, so a report of it would teach a classifier only noise.
  const testSignal = parsed ? testSignalIn(parsed) : undefined;
  if (testSignal) {
    throw new BadRequestError(
      `this is a test message (${testSignal}): it is spam by definition and teaches a classifier nothing, so it is not filed`,
    );
  }
  const now = clock.now();
  const from = parsed?.from?.address ?? record?.from;
  const subject = parsed?.subject ?? record?.subject;
  const submission: Submission = {
    id: newSubmissionId(now, randomBytes(4)),
    category: request.category,
    source: request.source,
    submittedBy: request.submittedBy.slice(0, 512),
    submittedAt: now.toISOString(),
    size: raw.byteLength,
    ...(record ? { messageId: record.messageId } : {}),
    ...(record?.scan
      ? {
          verdict: {
            score: record.scan.score,
            spam: record.scan.verdict,
            ...(record.graymail ? { graymail: record.graymail.category } : {}),
          },
        }
      : {}),
    ...(from ? { from: from.slice(0, 320) } : {}),
    ...(subject ? { subject: subject.slice(0, 998) } : {}),
    ...(request.note ? { note: request.note.slice(0, 1000) } : {}),
    digest: createHash('sha256').update(raw).digest('hex'),
  };
  await deps.submissions.put(submission, raw);
  if (record) {
    await deps.tracking.appendEvents(record.messageId, [
      trackingEvent(
        clock,
        'admin',
        'reported',
        `Reported by ${submission.submittedBy} as ${describeCategory(submission.category)} (submission ${submission.id})`,
      ),
    ]);
  }
  log.info('submission filed', {
    submissionId: submission.id,
    category: submission.category,
    source: submission.source,
    ...(record ? { messageId: record.messageId } : {}),
  });
  return submission;
}

/**
 * A submission as the admin sees it, with what became of it: `received` until a model version
 * trained on it was put into service, then `used in <version>` (the first such version; later
 * ones keep training on it), or `held out in <version>` for the one in five kept aside to
 * evaluate versions on. Graymail reports stay `received`: the spam model does not learn from them.
 */
export type ListedSubmission = Submission & { readonly status: string };

export async function listSubmissions(
  deps: PipelineDeps,
  query: SubmissionQuery,
): Promise<Page<ListedSubmission>> {
  const page = await deps.submissions.list(query);
  const status = await submissionStatuses(deps);
  return { ...page, items: page.items.map((s) => ({ ...s, status: status(s.id, s) })) };
}

export async function getSubmission(deps: PipelineDeps, id: string): Promise<ListedSubmission> {
  const submission = await deps.submissions.get(id);
  if (!submission) throw new NotFoundError(`no submission ${id}`);
  return { ...submission, status: (await submissionStatuses(deps))(submission.id, submission) };
}

/**
 * Takes a report back (a wrong label, a user poisoning the model): no later version trains
 * on it or holds it out. Versions already built keep what they were built from; roll back or
 * leave a pending one unpromoted, and the next run builds without it.
 */
export async function withdrawSubmission(
  deps: PipelineDeps,
  id: string,
  principal: string,
): Promise<ListedSubmission> {
  const submission = await deps.submissions.get(id);
  if (!submission) throw new NotFoundError(`no submission ${id}`);
  if (submission.withdrawn)
    throw new ConflictError(
      `submission ${id} was withdrawn by ${submission.withdrawn.by} at ${submission.withdrawn.at}`,
    );
  const withdrawn: Submission = {
    ...submission,
    withdrawn: { by: principal.slice(0, 512), at: deps.clock.now().toISOString() },
  };
  await deps.submissions.updateRecord(withdrawn);
  if (submission.messageId) {
    await deps.tracking
      .appendEvents(submission.messageId, [
        trackingEvent(deps.clock, 'admin', 'report-withdrawn', `Report ${id} withdrawn by ${principal}`),
      ])
      .catch((error: unknown) => deps.log.warn('could not note the withdrawal in tracking', { error }));
  }
  deps.log.info('submission withdrawn', { submissionId: id, by: principal });
  return { ...withdrawn, status: (await submissionStatuses(deps))(id, withdrawn) };
}

/** Submission id → status, from the records of the versions that were put into service. */
async function submissionStatuses(
  deps: PipelineDeps,
): Promise<(id: string, submission?: Submission) => string> {
  const served = (await deps.models.listVersions())
    .filter((r) => r.status === 'promoted' || r.status === 'retired')
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const status = new Map<string, string>();
  for (const record of served) {
    for (const id of record.submissions) if (!status.has(id)) status.set(id, `used in ${record.version}`);
    for (const id of record.heldOutSubmissions ?? [])
      if (!status.has(id)) status.set(id, `held out in ${record.version}`);
  }
  return (id, submission) => {
    const was = status.get(id);
    if (submission?.withdrawn) return `withdrawn by ${submission.withdrawn.by}${was ? ` (was ${was})` : ''}`;
    return was ?? 'received';
  };
}

const DAY_MS = 86_400_000;

/**
 * The message as it arrived: its quarantined copy when it was quarantined (the same bytes,
 * kept for the quarantine period, and readable by every function that releases), else the
 * copy under incoming/ (kept INCOMING_RETENTION_DAYS). A copy our own records say is gone
 * is not asked for: S3 answers a missing key with 403 AccessDenied to a role that may not
 * list the bucket, which would read as a server error instead of "no longer kept".
 */
async function storedCopy(deps: PipelineDeps, record: TrackingRecord): Promise<Buffer> {
  const now = deps.clock.now().getTime();
  const items = await deps.quarantine.listForMessage(record.messageId);
  const held = items[0];
  // deleteQuarantined removes the copy once every item is released or deleted; the lifecycle
  // rule a day after the retention ends.
  const heldCopyGone =
    items.every((item) => item.state === 'released' || item.state === 'deleted') &&
    items.some((item) => item.state === 'deleted');
  const heldKey = held && !heldCopyGone && now < Date.parse(held.expiresAt) + DAY_MS ? held.key : undefined;
  const incomingKey =
    now < Date.parse(record.receivedAt) + INCOMING_RETENTION_DAYS * DAY_MS ? record.key : undefined;
  for (const key of [heldKey, incomingKey]) {
    if (!key) continue;
    try {
      return await deps.mail.get(key);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  throw new NotFoundError(
    `the stored copy of message ${record.messageId} is no longer kept; submit the message itself (.eml) instead`,
  );
}

/**
 * "Release and report as not spam": the admin's one click for a false positive. The report is
 * filed only when this call released something, so a second click does not file it twice.
 *
 * What the report says follows why the copies were held. Spam verdicts: not spam. Held only
 * as graymail (the verdict was clean): a "not spam" report would teach the spam classifier
 * nothing it got wrong, so marketing mail is reported as not marketing, and social or bulk
 * mail (no report category of their own) files nothing, saying why.
 */
export async function releaseAndReport(
  deps: PipelineDeps,
  messageId: string,
  recipients: readonly string[] | 'all',
  principal: string,
): Promise<QuarantineOutcome & { readonly submission?: Submission; readonly notReported?: string }> {
  const held = await deps.quarantine.listForMessage(messageId);
  const outcome = await releaseQuarantined(deps, messageId, recipients, principal);
  if (outcome.done.length === 0) return outcome;
  const released = held.filter((item) => outcome.done.includes(item.recipient));
  const record = await deps.tracking.get(messageId);
  const testSignal = record?.scan?.reasons.find((reason) => reason.group === 'test')?.id;
  if (testSignal) {
    return {
      ...outcome,
      notReported: `it is a test message (${testSignal}): spam by definition, nothing for a classifier to learn`,
    };
  }
  let category: SubmissionCategory = 'not-spam';
  if (released.every((item) => item.verdict === 'clean')) {
    const graymail = record?.graymail?.category ?? 'none';
    if (graymail !== 'marketing') {
      return {
        ...outcome,
        notReported:
          graymail === 'none'
            ? 'it was not held for a spam verdict or as graymail: nothing to report to the classifier'
            : `it was held as ${graymail} graymail, not as spam, and there is no report category for ${graymail} mail`,
      };
    }
    category = 'not-marketing';
  }
  const submission = await submitMessage(deps, {
    category,
    source: 'quarantine-release',
    submittedBy: principal,
    messageId,
  });
  return { ...outcome, submission };
}
