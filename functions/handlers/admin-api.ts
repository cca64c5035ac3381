import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createAdminUiSession } from '../app/admin-ui.ts';
import { sendDigests } from '../app/digest.ts';
import { addToList, listEntries, listScope, removeFromList } from '../app/lists-admin.ts';
import { modelHistory, modelStatus, promoteModel, rollbackModel, runningEngine } from '../app/model-admin.ts';
import { REDRIVE_STAGES } from '../app/ports.ts';
import {
  deleteQuarantined,
  listQuarantine,
  releaseQuarantined,
  showQuarantined,
} from '../app/quarantine-admin.ts';
import type { QuarantineState } from '../app/quarantine-item.ts';
import { redeliverRefused } from '../app/redeliver.ts';
import { buildReport } from '../app/reporting.ts';
import { requestRetrain } from '../app/retrain.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import {
  getSubmission,
  listSubmissions,
  releaseAndReport,
  submitMessage,
  withdrawSubmission,
} from '../app/submissions.ts';
import { getTrackingRecord, searchTracking } from '../app/tracking-admin.ts';
import { BadRequestError, ConflictError } from '../core/errors.ts';
import type { SpamVerdict } from '../core/scan/types.ts';
import {
  MAX_UPLOAD_BYTES,
  parseSubmissionCategory,
  parseSubmissionId,
} from '../core/submissions/submission.ts';
import { pageLimit, timeWindow } from '../core/time/time-window.ts';
import type { MessageState } from '../core/tracking/types.ts';
import { adminLambdaDeps } from './admin-deps.ts';
import { matchAdminRoute, pathExists } from './admin-routes.ts';
import { flushMetrics } from './flush-metrics.ts';
import { errorResponse, json } from './http-response.ts';

type AdminEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
const QUARANTINE_STATES: readonly QuarantineState[] = ['quarantined', 'releasing', 'released', 'deleted'];
const MAX_BODY = 64 * 1024;
/** A submitted .eml travels base64-encoded in JSON: 4/3 of the message plus a little. */
const MAX_SUBMISSION_BODY = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4096;

/**
 * The admin API (IAM-authorised routes under /admin). The caller's IAM principal, as API
 * Gateway verified it, is recorded on every release and delete.
 */
export function createAdminApiHandler(getDeps: () => PipelineDeps) {
  const handler = middy<AdminEvent, APIGatewayProxyStructuredResultV2, Error, Context>().handler(
    async (event, context) => {
      const deps = getDeps();
      const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
      const log = deps.log.child({
        requestId,
        route: `${event.requestContext.http.method} ${event.rawPath}`,
      });
      try {
        return await dispatch({ ...deps, log }, event);
      } catch (error) {
        return errorResponse(error, log, requestId);
      }
    },
  );
  return handler.use(flushMetrics(getDeps));
}

async function dispatch(deps: PipelineDeps, event: AdminEvent): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method;
  const route = matchAdminRoute(method, event.rawPath);
  if (!route) {
    return pathExists(event.rawPath)
      ? json(405, { error: 'method_not_allowed', message: `${method} is not allowed on ${event.rawPath}` })
      : json(404, { error: 'not_found', message: `no route ${event.rawPath}` });
  }
  const query = event.queryStringParameters ?? {};
  const now = deps.clock.now();
  const principal = principalOf(event);
  const id = route.params.messageId ?? '';
  switch (route.name) {
    case 'listQuarantine': {
      const state = query.state as QuarantineState | undefined;
      if (state !== undefined && !QUARANTINE_STATES.includes(state)) {
        throw new BadRequestError(`state must be one of ${QUARANTINE_STATES.join(', ')}`);
      }
      const window = timeWindow(query.since, query.until, now, 30);
      const page = await listQuarantine(deps, {
        ...window,
        ...(query.recipient ? { recipient: query.recipient } : {}),
        ...(query.sender ? { sender: query.sender } : {}),
        ...(query.subject ? { subject: query.subject } : {}),
        ...(state ? { state } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: pageLimit(query.limit),
      });
      return json(200, page);
    }
    case 'showQuarantined':
      return json(200, await showQuarantined(deps, id));
    case 'releaseQuarantined': {
      const { recipients, reportNotSpam } = releaseBody(event);
      if (reportNotSpam) {
        const outcome = await releaseAndReport(deps, id, recipients, principal);
        return json(200, {
          messageId: id,
          released: outcome.done,
          unchanged: outcome.unchanged,
          ...(outcome.submission ? { submission: outcome.submission } : {}),
          ...(outcome.notReported ? { notReported: outcome.notReported } : {}),
        });
      }
      const outcome = await releaseQuarantined(deps, id, recipients, principal);
      return json(200, { messageId: id, released: outcome.done, unchanged: outcome.unchanged });
    }
    case 'deleteQuarantined': {
      const recipients = query.recipient ? query.recipient.split(',').map((r) => r.trim()) : 'all';
      const outcome = await deleteQuarantined(deps, id, recipients, principal);
      return json(200, { messageId: id, deleted: outcome.done, unchanged: outcome.unchanged });
    }
    case 'searchMessages': {
      const window = timeWindow(query.since, query.until, now, 1);
      const page = await searchTracking(deps, {
        ...window,
        ...(query.sender ? { sender: query.sender } : {}),
        ...(query.recipient ? { recipient: query.recipient } : {}),
        ...(query.subject ? { subject: query.subject } : {}),
        ...(query.messageIdHeader ? { internetMessageId: query.messageIdHeader } : {}),
        ...(query.state ? { state: oneOf(query.state, MESSAGE_STATES, 'state') } : {}),
        ...(query.verdict ? { verdict: oneOf(query.verdict, VERDICTS, 'verdict') } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: pageLimit(query.limit),
      });
      return json(200, page);
    }
    case 'getMessage':
      return json(200, await getTrackingRecord(deps, id));
    case 'redeliver': {
      const outcome = await redeliverRefused(deps, id, recipientsFromBody(event), principal);
      return json(202, { messageId: id, queued: outcome.done, unchanged: outcome.unchanged });
    }
    case 'listEntries': {
      const scope = listScope(query.for, deps.config.domains);
      return json(200, { items: await deps.lists.list(scope, listKind(route.params.kind)) });
    }
    case 'addListEntries': {
      const body = jsonBody(event) as { entries?: unknown; for?: unknown };
      if (!Array.isArray(body.entries))
        throw new BadRequestError(
          'body must be {"entries": ["sender@example.org", "example.org"], "for"?: "user@your-domain"}',
        );
      const scope = listScope(typeof body.for === 'string' ? body.for : undefined, deps.config.domains);
      const kind = listKind(route.params.kind);
      const added = await addToList(
        deps,
        scope,
        kind,
        listEntries(body.entries, kind === 'block' ? deps.config.domains : []),
        principal,
      );
      return json(200, { added });
    }
    case 'removeListEntries': {
      if (!query.entry)
        throw new BadRequestError('name the entries to remove: ?entry=sender@example.org[,example.org]');
      const scope = listScope(query.for, deps.config.domains);
      const outcome = await removeFromList(
        deps,
        scope,
        listKind(route.params.kind),
        listEntries(query.entry.split(',')),
        principal,
      );
      return json(200, outcome);
    }
    case 'report': {
      const window = timeWindow(query.since, query.until, now, 7);
      return json(
        200,
        await buildReport(deps.reports, window.since, window.until, pageLimit(query.top, 10, 100)),
      );
    }
    case 'submit': {
      const body = jsonBody(event, MAX_SUBMISSION_BODY) as Record<string, unknown>;
      const { messageId, eml, note } = body;
      if (messageId !== undefined && typeof messageId !== 'string')
        throw new BadRequestError('messageId must be a string');
      if (eml !== undefined && typeof eml !== 'string') throw new BadRequestError('eml must be base64 text');
      if (note !== undefined && typeof note !== 'string') throw new BadRequestError('note must be a string');
      const submission = await submitMessage(deps, {
        category: parseSubmissionCategory(body.category),
        source: 'admin',
        submittedBy: principal,
        ...(messageId !== undefined ? { messageId } : {}),
        ...(eml !== undefined ? { raw: Buffer.from(eml, 'base64') } : {}),
        ...(note !== undefined ? { note } : {}),
      });
      return json(201, submission);
    }
    case 'listSubmissions': {
      const window = timeWindow(query.since, query.until, now, 30);
      const page = await listSubmissions(deps, {
        ...window,
        ...(query.category ? { category: parseSubmissionCategory(query.category) } : {}),
        ...(query.cursor ? { cursor: parseSubmissionId(query.cursor) } : {}),
        limit: pageLimit(query.limit),
      });
      return json(200, page);
    }
    case 'getSubmission':
      return json(200, await getSubmission(deps, parseSubmissionId(route.params.submissionId ?? '')));
    case 'withdrawSubmission':
      return json(
        200,
        await withdrawSubmission(deps, parseSubmissionId(route.params.submissionId ?? ''), principal),
      );
    case 'sendDigests': {
      // In AWS the digest function sends them: a run over many recipients outlasts the API's
      // 30 s. Locally the run is short and its counts are answered directly.
      if (deps.digestTrigger) {
        const started = await deps.digestTrigger.start(principal);
        deps.log.info('digest run started', { principal });
        return json(202, { started: true, ...started });
      }
      const run = await sendDigests(deps);
      return json(200, run);
    }
    case 'version':
      // The model this function follows now (the promoted version, or the bundled one).
      return json(200, await runningEngine(deps));
    case 'modelStatus':
      return json(200, await modelStatus(deps));
    case 'modelHistory':
      return json(200, await modelHistory(deps));
    case 'modelRollback':
    case 'modelPromote': {
      const body = jsonBody(event);
      const version =
        typeof body === 'object' && body !== null ? (body as { version?: unknown }).version : undefined;
      if (version === undefined)
        throw new BadRequestError(
          route.name === 'modelPromote'
            ? 'body must be {"version": "<model version>"}'
            : 'body must be {"version": "<model version>"} or {"version": "bundled"}',
        );
      return json(
        200,
        route.name === 'modelPromote'
          ? await promoteModel(deps, version, principal)
          : await rollbackModel(deps, version, principal),
      );
    }
    case 'modelRetrain':
      // Training takes longer than an API request may: the run goes on in the background.
      return json(202, await requestRetrain(deps, principal));
    case 'redrive': {
      const stage = oneOf(route.params.stage ?? '', REDRIVE_STAGES, 'stage');
      if (!deps.deadLetters) throw new ConflictError('redrive is not available in this deployment');
      const outcome = await deps.deadLetters.redrive(stage);
      deps.log.info('dead letters redriven', { stage, principal, ...outcome });
      return json(outcome.taskHandle ? 202 : 200, { stage, ...outcome });
    }
    case 'uiSession': {
      // A link to the admin web page for the verified caller (browsers cannot sign with SigV4).
      const minutes = (jsonBody(event) as { minutes?: unknown }).minutes;
      if (minutes !== undefined && typeof minutes !== 'number')
        throw new BadRequestError('minutes must be a number');
      return json(200, await createAdminUiSession(deps, principal, minutes));
    }
  }
}

/** The verified IAM caller (API Gateway fills this only after SigV4 verification). */
function principalOf(event: AdminEvent): string {
  const iam = event.requestContext.authorizer?.iam;
  return iam?.userArn ?? iam?.callerId ?? 'unknown-principal';
}

const MESSAGE_STATES: readonly MessageState[] = [
  'received',
  'scanned',
  'classified',
  'delivering',
  'delivered',
  'quarantined',
  'dropped',
  'bounced',
  'released',
  'deleted',
  'error',
  'mixed',
];
const VERDICTS: readonly SpamVerdict[] = ['positive', 'suspect', 'clean', 'unscannable'];

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new BadRequestError(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function listKind(text: string | undefined): 'safe' | 'block' {
  if (text === 'safelist') return 'safe';
  if (text === 'blocklist') return 'block';
  throw new BadRequestError('the list is "safelist" or "blocklist"');
}

function jsonBody(event: AdminEvent, limit = MAX_BODY): unknown {
  if (!event.body) return {};
  if (event.body.length > limit) throw new BadRequestError(`request body too large (at most ${limit} bytes)`);
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('request body must be JSON');
  }
}

function releaseBody(event: AdminEvent): { recipients: readonly string[] | 'all'; reportNotSpam: boolean } {
  const body = jsonBody(event) as { reportNotSpam?: unknown };
  if (body.reportNotSpam !== undefined && typeof body.reportNotSpam !== 'boolean')
    throw new BadRequestError('reportNotSpam must be true or false');
  return { recipients: recipientsFromBody(event), reportNotSpam: body.reportNotSpam === true };
}

function recipientsFromBody(event: AdminEvent): readonly string[] | 'all' {
  if (!event.body) return 'all';
  const body = jsonBody(event);
  const recipients = (body as { recipients?: unknown })?.recipients;
  if (recipients === undefined) return 'all';
  if (
    !Array.isArray(recipients) ||
    recipients.length === 0 ||
    !recipients.every((r) => typeof r === 'string')
  ) {
    throw new BadRequestError('recipients must be a non-empty list of addresses');
  }
  return recipients as string[];
}

export const handler = createAdminApiHandler(adminLambdaDeps);
