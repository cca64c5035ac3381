import { type ParsedMessage, parseMessage } from '../mime/parse-message.ts';
import { RULES, RULES_VERSION } from './rules/index.ts';
import { evidence, type Rule } from './rules/rule.ts';
import { readSesVerdictHeaders } from './ses-headers.ts';
import { classifyMessage, statisticalReason } from './statistical/classify.ts';
import type { StatisticalModel } from './statistical/model.ts';
import type { TokenizerLimits } from './statistical/tokenize.ts';
import type { Reason, ScanResult, SesVerdicts, Thresholds } from './types.ts';
import { clampScore, verdictForScore } from './verdict.ts';

export interface ScanSettings extends Thresholds {
  readonly rules?: readonly Rule[];
  /**
   * The statistical classifier's model, loaded once per container by the caller
   * (`loadModelFile` in functions/adapters/load-model.ts). Without it the statistical
   * engine is off and only the rules score.
   */
  readonly model?: StatisticalModel;
  readonly tokenizerLimits?: TokenizerLimits;
}

/**
 * Scores a parsed message: the rules, then the statistical classifier when a model is
 * given; the score is the sum of the contributions, clamped to 0-100. A test signal (GTUBE,
 * `X-Advertisement: spam`) always makes the message positive, whatever the other engines say.
 *
 * Never throws: a rule (or the classifier) that throws becomes a RULE_ERROR reason
 * (score 0) so one bad rule cannot stop mail or crash-loop the scan stage.
 */
export function scanParsedMessage(
  message: ParsedMessage,
  ses: SesVerdicts,
  settings: ScanSettings,
): ScanResult {
  const context = { message, ses: mergeSes(ses, readSesVerdictHeaders(message.header)) };
  const reasons: Reason[] = [];
  for (const rule of settings.rules ?? RULES) {
    try {
      const match = rule.check(context);
      if (match) {
        reasons.push({
          id: rule.id,
          group: rule.group,
          description: rule.description,
          score: rule.score,
          ...(match.evidence === undefined ? {} : { evidence: match.evidence }),
        });
      }
    } catch (error) {
      reasons.push({
        id: 'RULE_ERROR',
        group: 'engine',
        description: `Rule ${rule.id} failed and was skipped`,
        score: 0,
        evidence: evidence(String((error as Error)?.message ?? error)),
      });
    }
  }
  const model = settings.model;
  if (model) {
    try {
      reasons.push(statisticalReason(model, classifyMessage(model, message, settings.tokenizerLimits)));
    } catch (error) {
      reasons.push({
        id: 'RULE_ERROR',
        group: 'engine',
        description: 'The statistical classifier failed and was skipped',
        score: 0,
        evidence: evidence(String((error as Error)?.message ?? error)),
      });
    }
  }
  const sum = clampScore(reasons.reduce((total, reason) => total + reason.score, 0));
  const testSignal = Math.max(
    0,
    ...reasons.filter((r) => r.group === 'test').map((r) => clampScore(r.score)),
  );
  const score = Math.max(sum, testSignal);
  // Stable sort: equal contributions keep rule order, so the result is deterministic.
  reasons.sort((a, b) => b.score - a.score);
  return {
    score,
    verdict: verdictForScore(score, settings),
    reasons,
    engineVersion: engineVersion(model),
  };
}

/** `rules-…` alone, or `rules-…+stat-…` when the statistical model took part. */
export function engineVersion(model: StatisticalModel | undefined): string {
  return model ? `${RULES_VERSION}+${model.version}` : RULES_VERSION;
}

/**
 * Parses and scores raw bytes. Mail that cannot be decoded gets the `unscannable` verdict
 * with the parser's complaint as its reason, so policy decides what happens to it.
 */
export async function scanRawMessage(
  raw: Uint8Array,
  ses: SesVerdicts,
  settings: ScanSettings,
): Promise<{ result: ScanResult; message: ParsedMessage | undefined }> {
  let message: ParsedMessage;
  try {
    message = await parseMessage(raw);
  } catch (error) {
    return {
      result: unscannable('MIME_PARSE_ERROR', 'Message could not be decoded as MIME', error, settings.model),
      message: undefined,
    };
  }
  return { result: scanParsedMessage(message, ses, settings), message };
}

export function unscannable(
  id: string,
  description: string,
  error?: unknown,
  model?: StatisticalModel,
): ScanResult {
  return {
    score: 0,
    verdict: 'unscannable',
    reasons: [
      {
        id,
        group: 'engine',
        description,
        score: 0,
        ...(error === undefined ? {} : { evidence: evidence(String((error as Error)?.message ?? error)) }),
      },
    ],
    engineVersion: engineVersion(model),
    note: description,
  };
}

/** Verdicts from SES's receipt notification win; headers fill what the notification lacks. */
function mergeSes(fromNotification: SesVerdicts, fromHeaders: SesVerdicts): SesVerdicts {
  return {
    spam: fromNotification.spam ?? fromHeaders.spam,
    virus: fromNotification.virus ?? fromHeaders.virus,
    spf: fromNotification.spf,
    dkim: fromNotification.dkim,
    dmarc: fromNotification.dmarc,
  };
}
