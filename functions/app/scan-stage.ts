import { authResultsFromVerdicts } from '../core/auth/auth-reasons.ts';
import { describeAuth } from '../core/auth/describe-auth.ts';
import {
  GATEWAY_AUTHSERV_ID,
  readTrustedAuthResults,
  SES_AUTHSERV_ID,
} from '../core/auth/trusted-auth-results.ts';
import type { AuthResults } from '../core/auth/types.ts';
import { ConfigError, GraywallError } from '../core/errors.ts';
import { evaluateFilters } from '../core/filters/evaluate-filters.ts';
import { safelistableAddress, senderIdentitiesOf } from '../core/lists/sender-lists.ts';
import { type ParsedMessage, parseMessage } from '../core/mime/parse-message.ts';
import { normalizeBareCr, readHeaderBlock } from '../core/mime/raw-message.ts';
import { topReasons } from '../core/scan/result-header.ts';
import { SES_VIRUS_VERDICT_FAIL } from '../core/scan/rules/ses-verdicts.ts';
import { bytesToRead, engineVersion, scanRawMessage } from '../core/scan/scan-message.ts';
import { readSesVerdictHeaders } from '../core/scan/ses-headers.ts';
import type { StatisticalModel } from '../core/scan/statistical/model.ts';
import type { ScanResult } from '../core/scan/types.ts';
import { externalReasons, senderIpOf } from './engine-inputs.ts';
import { emitMetric } from './operational-metrics.ts';
import { compactVerdict, type InboundMail, type ScannedMessage } from './pipeline-messages.ts';
import { count, topSenderKey } from './reporting.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { expiryEpochSeconds } from './stage-deps.ts';
import { fileFromMailbox, mailboxRecipients } from './submission-mailbox.ts';
import { noteResumeAfterDeadLetter, trackingEvent } from './tracking-event.ts';

/**
 * Stage 1: read the stored mail, score it, record the verdict, pass it on.
 * Idempotent on the SES message id: a redelivered notification re-sends the stored verdict
 * instead of scanning again, and the later stages are idempotent on the same id.
 */
/** The message id of the test notification SES sends when a receipt rule is created. */
export const SES_SETUP_NOTIFICATION_ID = 'AMAZON_SES_SETUP_NOTIFICATION';

export async function runScanStage(
  deps: PipelineDeps,
  notified: InboundMail,
): Promise<ScannedMessage | undefined> {
  const { tracking, clock, log } = deps;
  let mail = notified;
  if (mail.bucket !== deps.mail.bucket) {
    throw new GraywallError(
      `notification names bucket ${mail.bucket}, but this stack stores mail in ${deps.mail.bucket}`,
    );
  }
  // When a receipt rule with an S3 action is created, SES writes a test object and notifies
  // it under this fixed message id: it proves SES can write and publish, and is no one's
  // mail. Not tracked, counted or delivered (to whatever recipient SES put on it).
  if (mail.messageId === SES_SETUP_NOTIFICATION_ID) {
    log.info('SES setup notification: SES can store mail in the bucket and notify us', { key: mail.key });
    return undefined;
  }
  // Scanning without the statistical model would silently weaken every verdict: a
  // deployment that lost the artifact must fail (and dead-letter), not pass spam.
  if (!deps.model)
    throw new ConfigError('the scan function has no statistical model (graywall-model.json missing)');
  // The raw mail is read from S3, never from the event: the event is small and untrusted.
  const raw = normalizeBareCr(await deps.mail.get(mail.key));

  const created = await tracking.create({
    messageId: mail.messageId,
    envelopeFrom: mail.envelopeFrom,
    recipients: mail.recipients,
    receivedAt: mail.receivedAt,
    bucket: mail.bucket,
    key: mail.key,
    size: raw.byteLength,
    ses: mail.ses,
    expiresAt: expiryEpochSeconds(clock.now(), deps.config.tracking.retentionDays),
    event: {
      at: mail.receivedAt,
      stage: 'receive',
      type: 'received',
      detail: `Received ${raw.byteLength} bytes from <${mail.envelopeFrom}> for ${mail.recipients.length} recipient(s)`,
      recipients: mail.recipients,
    },
  });
  // Mail to a submission mailbox is filed, not scanned or delivered; people among the
  // recipients go on through the pipeline as usual.
  const mailboxes = mailboxRecipients(deps, mail.recipients);
  if (mailboxes.length > 0) {
    await fileFromMailbox(deps, mail, raw, mailboxes);
    if (mailboxes.length === mail.recipients.length) return undefined;
    mail = { ...mail, recipients: mail.recipients.filter((r) => !mailboxes.includes(r)) };
  }
  if (!created) {
    const existing = await tracking.get(mail.messageId);
    await noteResumeAfterDeadLetter(tracking, clock, existing, 'scan');
    if (existing?.scan) {
      log.info('already scanned: forwarding the stored verdict', { verdict: existing.scan.verdict });
      const message: ScannedMessage = { v: 1, mail, scan: compactVerdict(existing.scan) };
      await deps.queue.send('graymail', message);
      return message;
    }
  }

  // Who really sent it (behind our own relays, if any), and which message filters apply.
  const header = readHeaderBlock(raw);
  const inputs = deps.engineInputs;
  const sender = senderIpOf(header, inputs);
  const filtered = evaluateFilters(inputs.filters, {
    envelopeFrom: mail.envelopeFrom,
    recipients: mail.recipients,
    header,
    ...(sender.ip ? { senderIp: sender.ip } : {}),
  });
  let result: ScanResult;
  let message: ParsedMessage | undefined;
  if (filtered.skip.has('skip-spamcheck')) {
    message = await parseMessage(bytesToRead(raw, deps.config.antispam.alwaysScanBelowBytes)).catch(
      () => undefined,
    );
    // A filter matches on what a sender can forge (MAIL FROM, headers): it may spare a message
    // our spam engines, never SES's malware verdict.
    const malware = (mail.ses.virus ?? readSesVerdictHeaders(header).virus) === 'FAIL';
    result = skippedByFilter(filtered.skippedBy.get('skip-spamcheck') ?? [], deps.model, malware);
  } else {
    const scanStarted = clock.now().getTime();
    ({ result, message } = await scanRawMessage(raw, mail.ses, {
      ...deps.config.antispam,
      model: deps.model,
      ...scanDeadline(clock, deps.config.antispam.scanTimeoutSeconds),
      enrich: (parsed) => externalReasons(deps.config, inputs, mail, parsed, raw, sender.ip),
    }));
    emitMetric(deps.metrics, 'ScanDurationMs', clock.now().getTime() - scanStarted, { Stage: 'scan' });
  }
  const remoteIp = sender.ip;
  // Mail that was not parsed (above the never-scan size, timed out, undecodable) is still
  // found by From, Subject and Message-ID: its header block alone is parsed for the record.
  if (!message) message = await parseMessage(raw.subarray(0, header.bodyStart)).catch(() => undefined);
  const top = topReasons(result.reasons, 3)
    .map((r) => r.id)
    .join(', ');
  const recorded = await tracking.recordScan(
    mail.messageId,
    result,
    {
      ...(message?.messageId ? { internetMessageId: message.messageId.slice(0, 998) } : {}),
      // Bounded: a DynamoDB item holds 400 KB, and a hostile Subject can be megabytes long.
      ...(message?.from ? { from: message.from.address.slice(0, 320) } : {}),
      ...(message ? { subject: message.subject.slice(0, 998) } : {}),
      ...(remoteIp ? { remoteIp } : {}),
      ...allowSenderOf(mail, message),
    },
    trackingEvent(
      clock,
      'scan',
      'scanned',
      result.verdict === 'unscannable'
        ? `${capitalise(result.note ?? 'not scanned')}: ${result.reasons[0]?.description ?? 'unscannable'}`
        : `Scored ${result.score}/100: ${result.verdict}${top ? ` (${top})` : ''} by ${result.engineVersion}` +
            (result.note ? `; ${result.note}` : '') +
            `. ${sender.note}` +
            `. ${describeAuth(authOf(mail, message))}` +
            (filtered.matched.length > 0
              ? `. Filters: ${filtered.matched.join(', ')} (${[...filtered.skip].join(', ')})`
              : ''),
    ),
  );
  if (recorded) {
    emitMetric(deps.metrics, 'Verdicts', 1, { Stage: 'scan', Verdict: result.verdict });
    const spammy = result.verdict === 'positive' || result.verdict === 'suspect';
    await count(
      deps.reports,
      log,
      clock.now(),
      { messages: 1, [result.verdict]: 1 },
      spammy ? [{ list: 'spamSenders', key: topSenderKey(message?.from?.address, mail.envelopeFrom) }] : [],
    );
  }
  const scan = recorded ? result : ((await tracking.get(mail.messageId))?.scan ?? result);
  log.info('scanned', { score: scan.score, verdict: scan.verdict, reasons: scan.reasons.map((r) => r.id) });
  const next: ScannedMessage = {
    v: 1,
    mail,
    scan: compactVerdict(scan),
    ...(filtered.matched.length > 0
      ? { filters: { matched: filtered.matched, skip: [...filtered.skip] } }
      : {}),
  };
  await deps.queue.send('graymail', next);
  return next;
}

/**
 * The per-message scan budget (`antispam.scanTimeoutSeconds`). The pure core cannot read a
 * clock, so it gets two things: `now`, and `shouldStop`, which it polls after parsing, before
 * the classifier and between rules, measured on `deps.clock`. Parsing is the one step it
 * cannot poll inside (mailparser works asynchronously on the whole message), so it also gets
 * an abort signal that fires on the same budget in real time and stops waiting for the parser.
 */
function scanDeadline(
  clock: PipelineDeps['clock'],
  seconds: number,
): { now: Date; shouldStop: () => boolean; abortSignal: AbortSignal } {
  const now = clock.now();
  const budgetMs = seconds * 1000;
  const deadline = now.getTime() + budgetMs;
  return {
    now,
    shouldStop: () => clock.now().getTime() >= deadline,
    abortSignal: AbortSignal.timeout(budgetMs),
  };
}

/**
 * The verdict of a message a filter exempted from the spam check: clean, and saying which
 * filter; positive all the same when SES found malware in it.
 */
function skippedByFilter(
  filters: readonly string[],
  model: StatisticalModel | undefined,
  malware: boolean,
): ScanResult {
  const skipped = {
    id: 'FILTER_SKIP_SPAMCHECK',
    group: 'engine',
    description: `Spam check skipped by message filter ${filters.map((f) => `"${f}"`).join(', ')}`,
    score: 0,
  } as const;
  return {
    score: malware ? 100 : 0,
    verdict: malware ? 'positive' : 'clean',
    reasons: malware
      ? [
          {
            id: SES_VIRUS_VERDICT_FAIL.id,
            group: SES_VIRUS_VERDICT_FAIL.group,
            description: `${SES_VIRUS_VERDICT_FAIL.description}; filters do not skip it`,
            score: 100,
            evidence: 'X-SES-Virus-Verdict: FAIL',
          },
          skipped,
        ]
      : [skipped],
    engineVersion: engineVersion(model),
    note: 'spam check skipped by a message filter',
  };
}

/** What SES (or the gateway) found, as the trusted Authentication-Results on top of the message say. */
function authOf(mail: InboundMail, message: ParsedMessage | undefined): AuthResults {
  return (
    (message && readTrustedAuthResults(message.header, [SES_AUTHSERV_ID, GATEWAY_AUTHSERV_ID])) ||
    authResultsFromVerdicts(mail.ses)
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Which sender address a safelist entry would apply to, as `graywall why` suggests it. */
function allowSenderOf(mail: InboundMail, message: ParsedMessage | undefined): { allowSender?: string } {
  const address = safelistableAddress(
    senderIdentitiesOf(mail.envelopeFrom, message?.from?.address, mail.ses),
  );
  return address ? { allowSender: address.slice(0, 320) } : {};
}
