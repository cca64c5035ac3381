import type { FilterAction } from '../core/config/filter-schema.ts';
import {
  classifyGraymail,
  type GraymailCategory,
  type GraymailResult,
} from '../core/graymail/classify-graymail.ts';
import { parseMessage } from '../core/mime/parse-message.ts';
import type { ClassifiedMessage, ScannedMessage } from './pipeline-messages.ts';
import { count, graymailCounter } from './reporting.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

/**
 * Stage 2: marketing / social / bulk / none. Graymail is about wanted-once mail, so it is
 * not classified when the message is positive spam or could not be scanned.
 */
export async function runGraymailStage(
  deps: PipelineDeps,
  scanned: ScannedMessage,
): Promise<ClassifiedMessage> {
  const { tracking, clock, log } = deps;
  const id = scanned.mail.messageId;
  const existing = (await tracking.get(id))?.graymail;
  let result: GraymailResult;
  if (existing) {
    log.info('already classified: forwarding the stored category', { category: existing.category });
    result = existing;
  } else {
    const skipped = scanned.scan.verdict === 'positive' || scanned.scan.verdict === 'unscannable';
    let detail: string;
    if (skipped) {
      result = { category: 'none', reasons: [] };
      detail = `Graymail check skipped: message is ${scanned.scan.verdict === 'positive' ? 'positive spam' : 'unscannable'}`;
    } else {
      result = exemptByFilter(
        classifyGraymail(await parseMessage(await deps.mail.get(scanned.mail.key))),
        scanned.filters,
      );
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
        { list: 'graymailSenders', key: scanned.mail.envelopeFrom || '<>' },
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
 * A message filter that skips a graymail check turns that category into `none`, keeping
 * the classifier's reasons and saying which filter did it.
 */
function exemptByFilter(result: GraymailResult, filters: ScannedMessage['filters']): GraymailResult {
  if (result.category === 'none' || !filters?.skip.includes(FILTER_FOR[result.category])) return result;
  return {
    category: 'none',
    reasons: [
      {
        id: `FILTER_${FILTER_FOR[result.category].toUpperCase().replace(/-/g, '_')}`,
        group: 'engine',
        description: `Looks like ${result.category}, but message filter ${filters.matched.map((f) => `"${f}"`).join(', ')} skips that check`,
        score: 0,
      },
      ...result.reasons,
    ],
  };
}
