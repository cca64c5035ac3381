import { classifyGraymail, type GraymailResult } from '../core/graymail/classify-graymail.ts';
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
    if (scanned.scan.verdict === 'positive' || scanned.scan.verdict === 'unscannable') {
      result = { category: 'none', reasons: [] };
    } else {
      result = classifyGraymail(await parseMessage(await deps.mail.get(scanned.mail.key)));
    }
    const skipped = scanned.scan.verdict === 'positive' || scanned.scan.verdict === 'unscannable';
    const detail = skipped
      ? `Graymail check skipped: message is ${scanned.scan.verdict === 'positive' ? 'positive spam' : 'unscannable'}`
      : `Graymail category ${result.category}${result.reasons.length ? ` (${result.reasons.map((r) => r.id).join(', ')})` : ''}`;
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
