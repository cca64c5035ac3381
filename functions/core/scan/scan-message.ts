import { type ParsedMessage, parseMessage } from '../mime/parse-message.ts';
import { readHeaderBlock } from '../mime/raw-message.ts';
import {
  baselinePoints,
  headerPoints,
  learnedRulePoints,
  roundPoints,
  statisticalPoints,
  tenthsOf,
} from './combine.ts';
import {
  type CompositeRule,
  compositeEvidence,
  matchComposites,
  mergeComposites,
} from './rules/composite.ts';
import { COMPOSITES } from './rules/composites.ts';
import { RULES, RULES_VERSION } from './rules/index.ts';
import { evidence, type Rule, type ScanContext } from './rules/rule.ts';
import { runRules } from './run-rules.ts';
import { readSesVerdictHeaders } from './ses-headers.ts';
import {
  type Classification,
  classifyMessage,
  headerStatisticalReason,
  statisticalReason,
} from './statistical/classify.ts';
import type { ScanProfile, StatisticalModel } from './statistical/model.ts';
import type { TokenizerLimits } from './statistical/tokenize.ts';
import type { Reason, ScanResult, SesVerdicts, Thresholds } from './types.ts';
import { clampScore, verdictForScore } from './verdict.ts';

/**
 * How to scan. The `antispam` section of the config fits in as it is
 * (`{ ...config.antispam, model }`); the rest comes from the caller.
 */
export interface ScanSettings extends Thresholds {
  readonly rules?: readonly Rule[];
  /**
   * The statistical classifier's model, loaded once per container by the caller
   * (`loadModelFile` in functions/adapters/load-model.ts). Without it the statistical
   * engine is off and only the rules score. Its learned combination (when the artifact has
   * one) sets the rules' scores and the profiles.
   */
  readonly model?: StatisticalModel;
  readonly tokenizerLimits?: TokenizerLimits;
  /**
   * `normal` (default) or `aggressive`: which of the model's learned calibrations maps the
   * engines' combined evidence to the 0-100 score (see `antispam.profile` in the config schema).
   */
  readonly profile?: ScanProfile;
  /** Score points by rule or composite id; replaces both the learned and the default score. */
  readonly ruleScores?: Readonly<Record<string, number>>;
  /** Composites added to the defaults (an id that exists replaces that default). */
  readonly composites?: readonly CompositeRule[];
  /** Messages smaller than this are scanned whole. */
  readonly alwaysScanBelowBytes?: number;
  /** Messages larger than this are not scanned (verdict `unscannable`, note "not scanned: size"). */
  readonly neverScanAboveBytes?: number;
  /** The caller's clock reading, for rules that compare dates with the present. */
  readonly now?: Date;
  /**
   * The caller's deadline: polled before the classifier, between rules and after parsing.
   * Once it returns true the scan stops, keeps what was scored and adds a SCAN_TIMEOUT reason
   * (or returns `unscannable` when nothing was scored yet).
   */
  readonly shouldStop?: () => boolean;
  /** Aborts waiting for the MIME parser (the hard timeout; parsing is the one async step). */
  readonly abortSignal?: AbortSignal;
  /**
   * Evidence from engines outside the core (authentication, reputation lists, DNS lists,
   * other scanners), gathered by the caller once the message is parsed. Their reasons add
   * to the score like the rules'. A failing enricher costs its reasons, never the scan.
   */
  readonly enrich?: (message: ParsedMessage) => Promise<readonly Reason[]>;
}

/** What the caller knows about the bytes behind a parsed message. */
export interface ScanInput {
  /** The raw bytes that were parsed (rules read the MIME structure from them). */
  readonly raw?: Uint8Array;
  /** Only the beginning of the message was parsed (a partial scan). */
  readonly partial?: boolean;
  /** Reasons from engines outside the core (see ScanSettings.enrich). */
  readonly extraReasons?: readonly Reason[];
}

/** A partial scan reads the header block (at most this much of it) ... */
export const PARTIAL_SCAN_HEADER_BYTES = 64 * 1024;
/** ... and this much of the body after it. */
export const PARTIAL_SCAN_BODY_BYTES = 256 * 1024;

/** The ids of reasons the engine itself adds (never rules). */
export const ENGINE_REASONS = {
  timeout: 'SCAN_TIMEOUT',
  partial: 'SCAN_PARTIAL',
  size: 'SCAN_SKIPPED_SIZE',
  parse: 'MIME_PARSE_ERROR',
  ruleError: 'RULE_ERROR',
} as const;

/**
 * Scores a parsed message: the statistical classifier (when a model is given), then the
 * rules, then the composites over the rules that fired. With a model trained with the
 * combination layer, each part's score points come from the learned weights and the chosen
 * profile; config overrides by id win over both. The score is the sum, clamped to 0-100. A
 * decisive signal (GTUBE, `X-Advertisement: spam`, an SES virus verdict) makes the score at
 * least its own points, whatever the other engines say.
 *
 * Never throws: a rule (or the classifier) that throws becomes a RULE_ERROR reason (score 0)
 * so one bad rule cannot stop mail or crash-loop the scan stage.
 */
export function scanParsedMessage(
  message: ParsedMessage,
  ses: SesVerdicts,
  settings: ScanSettings,
  input: ScanInput = {},
): ScanResult {
  const context: ScanContext = {
    message,
    ses: mergeSes(ses, readSesVerdictHeaders(message.header)),
    ...(settings.now ? { now: settings.now } : {}),
    ...(input.raw ? { raw: input.raw } : {}),
    ...(input.partial ? { partial: true } : {}),
  };
  const model = settings.model;
  const profile = settings.profile ?? 'normal';
  const stop = settings.shouldStop;
  const reasons: Reason[] = [];
  let scored = false;
  let stopped = false;

  if (model) {
    if (stop?.()) {
      stopped = true;
    } else {
      let classification: Classification | undefined;
      try {
        classification = classifyMessage(model, message, settings.tokenizerLimits);
      } catch (error) {
        reasons.push(engineError('The statistical classifier failed and was skipped', error));
      }
      if (classification) {
        const reason = statisticalReason(model, classification);
        const combination = model.combination;
        if (combination) {
          // The learned scale's offset is its own reason: folded into the classifier's points it
          // made a message the classifier found hammy read as STATISTICAL_SPAM +35. The two add
          // up to statisticalPoints, so the score is what it was.
          const total = statisticalPoints(combination, profile, classification.logit);
          const baseline = baselinePoints(combination, profile);
          const points = roundPoints(total - baseline);
          reasons.push(baselineReason(model, profile, baseline));
          reasons.push({ ...reason, id: points > 0 ? 'STATISTICAL_SPAM' : 'STATISTICAL_HAM', score: points });
        } else {
          reasons.push(reason);
        }
        if (combination && classification.header) {
          const header = classification.header;
          reasons.push(
            headerStatisticalReason(model, header, headerPoints(combination, profile, header.logit)),
          );
        }
        scored = true;
      }
    }
  }

  const rules = settings.rules ?? RULES;
  let evaluated = 0;
  const decisive: number[] = [];
  if (!stopped) {
    const run = runRules(context, rules, stop);
    stopped = run.stopped;
    evaluated = run.evaluated;
    if (run.evaluated > 0) scored = true;
    reasons.push(...run.errors);
    const fired = new Set<string>();
    for (const hit of run.hits) {
      fired.add(hit.rule.id);
      const points = pointsOf(hit.rule.id, hit.rule, settings, profile);
      if (hit.rule.group === 'test' || hit.rule.id === 'SES_VIRUS_VERDICT_FAIL') decisive.push(points);
      reasons.push({
        id: hit.rule.id,
        group: hit.rule.group,
        description: hit.rule.description,
        score: points,
        ...(hit.evidence === undefined ? {} : { evidence: hit.evidence }),
      });
    }
    for (const composite of matchComposites(fired, mergeComposites(COMPOSITES, settings.composites))) {
      reasons.push({
        id: composite.id,
        group: 'composite',
        description: composite.description,
        score: pointsOf(composite.id, composite, settings, profile),
        evidence: evidence(compositeEvidence(composite, fired)),
      });
    }
  }

  if (stopped && !scored) {
    return unscannable(
      ENGINE_REASONS.timeout,
      'Scan timed out before anything was scored',
      undefined,
      model,
      {
        note: 'not scanned: timeout',
      },
    );
  }
  if (stopped) {
    reasons.push({
      id: ENGINE_REASONS.timeout,
      group: 'engine',
      description: 'Scan timed out: the score counts only what was checked before the deadline',
      score: 0,
      evidence: `${model && scored ? 'classifier and ' : ''}${evaluated} of ${rules.length} rules checked`,
    });
  }
  reasons.push(...(input.extraReasons ?? []));
  const tenths = reasons.reduce((total, reason) => total + tenthsOf(reason.score), 0);
  const sum = clampScore(tenths / 10);
  const score = Math.max(sum, 0, ...decisive.map(clampScore));
  // Stable sort: equal contributions keep engine order, so the result is deterministic.
  reasons.sort((a, b) => b.score - a.score);
  return {
    score,
    verdict: verdictForScore(score, settings),
    reasons,
    engineVersion: engineVersion(model),
    ...(stopped ? { note: 'partially scanned: timeout' } : {}),
  };
}

/**
 * Configured points, else learned points, else the rule's default. Test signals and SES are
 * never learned. (The retraining job's held-out evaluation scores with it too.)
 */
export function pointsOf(
  id: string,
  rule: { readonly score: number; readonly group?: string },
  settings: ScanSettings,
  profile: ScanProfile,
): number {
  const configured = settings.ruleScores;
  if (configured && Object.hasOwn(configured, id)) return roundPoints(configured[id] as number);
  const combination = settings.model?.combination;
  if (!combination || rule.group === 'test' || rule.group === 'ses') return rule.score;
  return learnedRulePoints(combination, profile, id) ?? rule.score;
}

/** Reason id of the learned scale's starting point (see `baselinePoints`). */
export const SCORE_BASELINE = 'SCORE_BASELINE';

function baselineReason(model: StatisticalModel, profile: ScanProfile, points: number): Reason {
  return {
    id: SCORE_BASELINE,
    group: 'statistical',
    description: `Every message's starting score (${model.version}, ${profile} profile)`,
    score: points,
  };
}

/** `rules-…` alone, or `rules-…+stat-…` when the statistical model took part. */
export function engineVersion(model: StatisticalModel | undefined): string {
  return model ? `${RULES_VERSION}+${model.version}` : RULES_VERSION;
}

/**
 * Parses and scores raw bytes, within the size thresholds:
 * - above `neverScanAboveBytes`: not parsed; `unscannable` with note "not scanned: size";
 * - from `alwaysScanBelowBytes` up to it: a partial scan of the header block and the first
 *   PARTIAL_SCAN_BODY_BYTES of the body, with a SCAN_PARTIAL reason;
 * - below `alwaysScanBelowBytes` (or with no thresholds): the whole message.
 * Mail that cannot be decoded as MIME is scored on what can be read (see `scanUndecodable`):
 * spam by that evidence gets its verdict, the rest the `unscannable` verdict with the parser's
 * complaint as its reason, so policy decides what happens to it. Mail whose parse outlives
 * the caller's abort signal is `unscannable` too.
 */
export async function scanRawMessage(
  raw: Uint8Array,
  ses: SesVerdicts,
  settings: ScanSettings,
): Promise<{ result: ScanResult; message: ParsedMessage | undefined }> {
  const size = raw.byteLength;
  const never = settings.neverScanAboveBytes;
  if (never !== undefined && size > never) {
    return {
      result: unscannable(
        ENGINE_REASONS.size,
        `Message of ${formatBytes(size)} is above the never-scan size (${formatBytes(never)})`,
        undefined,
        settings.model,
        { note: 'not scanned: size' },
      ),
      message: undefined,
    };
  }
  const always = settings.alwaysScanBelowBytes;
  const partial = always !== undefined && size >= always;
  const bytes = partial ? partialBytes(raw) : raw;

  if (settings.abortSignal?.aborted || settings.shouldStop?.()) {
    return { result: timedOut(settings.model), message: undefined };
  }
  let parsed: ParsedMessage;
  try {
    parsed = await untilAborted(parseMessage(bytes), settings.abortSignal);
  } catch (error) {
    if (error instanceof ScanAborted) return { result: timedOut(settings.model), message: undefined };
    return scanUndecodable(bytes, ses, settings, partial, error);
  }
  if (settings.shouldStop?.()) return { result: timedOut(settings.model), message: parsed };
  const message: ParsedMessage = partial ? { ...parsed, size } : parsed;
  let extraReasons: readonly Reason[] = [];
  if (settings.enrich) {
    try {
      // Inside the scan budget: engines that outlive it are skipped (the rules then find the
      // budget spent and the verdict says the scan timed out), so one message's scan never
      // takes longer than the budget the function's timeout is sized for.
      extraReasons = await untilAborted(settings.enrich(message), settings.abortSignal);
    } catch (error) {
      extraReasons = [
        error instanceof ScanAborted
          ? engineError(
              'External engine inputs did not answer within the scan time budget and were skipped',
              error,
            )
          : engineError('An external engine input failed and was skipped', error),
      ];
    }
  }
  const result = scanParsedMessage(message, ses, settings, { raw: bytes, partial, extraReasons });
  if (!partial || result.verdict === 'unscannable') return { result, message };
  const partialReason: Reason = {
    id: ENGINE_REASONS.partial,
    group: 'engine',
    description: `Partial scan: the message is at least the always-scan size (${formatBytes(always)})`,
    score: 0,
    evidence: `scanned the header and first ${formatBytes(bytes.byteLength)} of ${formatBytes(size)}`,
  };
  return {
    result: {
      ...result,
      reasons: [...result.reasons, partialReason],
      note: result.note ? `${result.note}; partially scanned: size` : 'partially scanned: size',
    },
    message,
  };
}

/**
 * Mail the MIME parser refuses (more parts or nesting than it allows, say) must not slip past
 * the scan: anyone can add a thousand empty parts to a spam. Such a message is scored as a
 * plain-text one: its header fields as parsed alone, and its body undecoded (boundaries,
 * part headers and encoded text as they are, the first PARTIAL_SCAN_BODY_BYTES of it). If
 * that evidence already says suspect or positive, that is the verdict, with the parser's
 * complaint among the reasons; otherwise the message stays `unscannable` and its policy
 * decides, since what could not be read may hold anything.
 */
async function scanUndecodable(
  bytes: Uint8Array,
  ses: SesVerdicts,
  settings: ScanSettings,
  partial: boolean,
  error: unknown,
): Promise<{ result: ScanResult; message: ParsedMessage | undefined }> {
  const refused = unscannable(
    ENGINE_REASONS.parse,
    'Message could not be decoded as MIME',
    error,
    settings.model,
  );
  const bodyStart = readHeaderBlock(bytes).bodyStart;
  let header: ParsedMessage;
  try {
    header = await untilAborted(parseMessage(bytes.subarray(0, bodyStart)), settings.abortSignal);
  } catch {
    return { result: refused, message: undefined };
  }
  const body = bytes.subarray(bodyStart, bodyStart + PARTIAL_SCAN_BODY_BYTES);
  const message: ParsedMessage = {
    ...header,
    text: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
    html: '',
    attachments: [],
    size: bytes.byteLength,
  };
  const scored = scanParsedMessage(message, ses, settings, { raw: bytes, partial });
  if (scored.verdict !== 'suspect' && scored.verdict !== 'positive') {
    const [reason] = refused.reasons as [Reason];
    const description = `${reason.description}; its header fields and undecoded text scored ${scored.score}, below the suspect threshold`;
    return { result: { ...refused, reasons: [{ ...reason, description }], note: description }, message };
  }
  const parseReason: Reason = {
    id: ENGINE_REASONS.parse,
    group: 'engine',
    description: 'Message could not be decoded as MIME: scored on its header fields and its undecoded text',
    score: 0,
    evidence: evidence(String((error as Error)?.message ?? error)),
  };
  return {
    result: {
      ...scored,
      reasons: [...scored.reasons, parseReason],
      note: scored.note ? `${scored.note}; MIME not decoded` : 'MIME not decoded',
    },
    message,
  };
}

/** The header block (bounded) and the first PARTIAL_SCAN_BODY_BYTES of the body. */
/**
 * The bytes a reader of a message of this size looks at: all of them below the always-scan
 * size, the header block and the first PARTIAL_SCAN_BODY_BYTES of the body from it on. Stages
 * that parse mail for other reasons (graymail, a filter-exempted scan) read no more than the
 * scan would, so a 40 MB message is never parsed whole.
 */
export function bytesToRead(raw: Uint8Array, alwaysScanBelowBytes: number | undefined): Uint8Array {
  return alwaysScanBelowBytes !== undefined && raw.byteLength >= alwaysScanBelowBytes
    ? partialBytes(raw)
    : raw;
}

function partialBytes(raw: Uint8Array): Uint8Array {
  const bodyStart = Math.min(readHeaderBlock(raw).bodyStart, PARTIAL_SCAN_HEADER_BYTES);
  return raw.subarray(0, Math.min(raw.byteLength, bodyStart + PARTIAL_SCAN_BODY_BYTES));
}

export function unscannable(
  id: string,
  description: string,
  error?: unknown,
  model?: StatisticalModel,
  options: { readonly note?: string } = {},
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
    note: options.note ?? description,
  };
}

function timedOut(model: StatisticalModel | undefined): ScanResult {
  return unscannable(ENGINE_REASONS.timeout, 'Scan timed out before anything was scored', undefined, model, {
    note: 'not scanned: timeout',
  });
}

function engineError(description: string, error: unknown): Reason {
  return {
    id: ENGINE_REASONS.ruleError,
    group: 'engine',
    description,
    score: 0,
    evidence: evidence(String((error as Error)?.message ?? error)),
  };
}

class ScanAborted extends Error {
  override readonly name = 'ScanAborted';
}

/** Resolves like `promise`, or rejects with ScanAborted when `signal` fires first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new ScanAborted('scan aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ScanAborted('scan aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
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
