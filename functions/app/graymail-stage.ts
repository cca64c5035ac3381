import type { FilterAction } from '../core/config/filter-schema.ts';
import {
  classifyGraymail,
  type GraymailCategory,
  type GraymailResult,
} from '../core/graymail/classify-graymail.ts';
import { GRAYMAIL_CLASSES } from '../core/graymail/signal.ts';
import { type ParsedMessage, parseMessage } from '../core/mime/parse-message.ts';
import { normalizeBareCr } from '../core/mime/raw-message.ts';
import { resolvePolicies } from '../core/policy/match-policy.ts';
import { planActions } from '../core/policy/plan-actions.ts';
import { bytesToRead } from '../core/scan/scan-message.ts';
import type { ClassifiedMessage, ScannedMessage } from './pipeline-messages.ts';
import { count, graymailCounter, topSenderKey } from './reporting.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { noteResumeAfterDeadLetter, trackingEvent } from './tracking-event.ts';

/**
 * Stage 2: marketing / social / bulk / none. Graymail is about wanted-once mail, so it is
 * not classified when the message could not be scanned, nor when it is positive spam for
 * every recipient: a recipient's policy (its own thresholds, its engine disabled) can make
 * the same score not spam, and then that recipient's graymail action applies.
 */
export async function runGraymailStage(
  deps: PipelineDeps,
  scanned: ScannedMessage,
): Promise<ClassifiedMessage> {
  const { tracking, clock, log } = deps;
  const id = scanned.mail.messageId;
  const record = await tracking.get(id);
  await noteResumeAfterDeadLetter(tracking, clock, record, 'graymail');
  const existing = record?.graymail;
  let result: GraymailResult;
  if (existing) {
    log.info('already classified: forwarding the stored category', { category: existing.category });
    result = existing;
  } else {
    const skipped =
      scanned.scan.verdict === 'unscannable' ||
      (scanned.scan.verdict === 'positive' && positiveForEveryone(deps, scanned));
    let detail: string;
    let from: string | undefined;
    let parsed: ParsedMessage | undefined;
    if (!skipped) {
      const raw = normalizeBareCr(await deps.mail.get(scanned.mail.key));
      // Mail the MIME parser refuses can still be scored spam on its header and undecoded text
      // (scanUndecodable): it reaches this stage, and is no graymail we can tell.
      parsed = await parseMessage(bytesToRead(raw, deps.config.antispam.alwaysScanBelowBytes)).catch(
        (error: unknown) => {
          log.warn('message could not be decoded as MIME: not classified as graymail', { error });
          return undefined;
        },
      );
    }
    if (!parsed) {
      result = { category: 'none', reasons: [] };
      detail = `Graymail check skipped: message ${
        skipped
          ? `is ${scanned.scan.verdict === 'positive' ? 'positive spam for every recipient' : 'unscannable'}`
          : 'could not be decoded as MIME'
      }`;
    } else {
      from = parsed.from?.address;
      result = classifyWithFilters(parsed, scanned.filters);
      detail = `Graymail category ${result.category}${result.reasons.length ? ` (${result.reasons.map((r) => r.id).join(', ')})` : ''}`;
    }
    const recorded = await tracking.recordGraymail(
      id,
      result,
      trackingEvent(clock, 'graymail', 'classified', detail),
    );
    if (!recorded) result = (await tracking.get(id))?.graymail ?? result;
    const counter = graymailCounter(result.category);
    if (recorded && counter) {
      await count(deps.reports, log, clock.now(), { [counter]: 1 }, [
        { list: 'graymailSenders', key: topSenderKey(from, scanned.mail.envelopeFrom) },
        ...scanned.mail.recipients.map((key) => ({ list: 'graymailRecipients' as const, key })),
      ]);
    }
    log.info('classified', { category: result.category });
  }
  const next: ClassifiedMessage = {
    v: 1,
    mail: scanned.mail,
    scan: scanned.scan,
    graymail: { category: result.category, reasonIds: result.reasons.map((r) => r.id) },
  };
  await deps.queue.send('action', next);
  return next;
}

const FILTER_FOR: Record<Exclude<GraymailCategory, 'none'>, FilterAction> = {
  marketing: 'skip-marketingcheck',
  social: 'skip-socialcheck',
  bulk: 'skip-bulkcheck',
};

/**
 * A message filter that skips a graymail check takes that category out of the running: the
 * message may still be another kind of graymail (a mailing-list newsletter exempted from
 * the marketing check is still bulk), and the reasons say which filter did it.
 */
function classifyWithFilters(message: ParsedMessage, filters: ScannedMessage['filters']): GraymailResult {
  const result = classifyGraymail(message);
  if (result.category === 'none' || !filters?.skip.includes(FILTER_FOR[result.category])) return result;
  const skipped = GRAYMAIL_CLASSES.filter((category) => filters.skip.includes(FILTER_FOR[category]));
  const rest = classifyGraymail(message, undefined, skipped);
  return {
    category: rest.category,
    reasons: [
      {
        id: `FILTER_${FILTER_FOR[result.category].toUpperCase().replace(/-/g, '_')}`,
        group: 'engine',
        description: `Looks like ${result.category}, but message filter ${filters.matched.map((f) => `"${f}"`).join(', ')} skips that check`,
        score: 0,
      },
      ...rest.reasons,
    ],
  };
}

/** Whether every recipient's policy makes the message positive spam (lists are applied later). */
function positiveForEveryone(deps: PipelineDeps, scanned: ScannedMessage): boolean {
  const plans = planActions(resolvePolicies(deps.config), {
    score: scanned.scan.score,
    scanVerdict: scanned.scan.verdict,
    envelopeFrom: scanned.mail.envelopeFrom,
    senderAuthenticated: scanned.mail.ses.spf === 'PASS',
    recipients: scanned.mail.recipients,
  });
  return plans.every((plan) => plan.verdict === 'positive');
}
