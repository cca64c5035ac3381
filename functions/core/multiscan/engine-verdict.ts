/**
 * What an external engine said about a message, whichever protocol carried it, and the pure
 * readers of the two protocols' answers. The network exchange is in
 * functions/adapters/external-engines.ts; everything that interprets bytes an engine sent
 * back is here, bounded, and never throws.
 */

export type ExternalEngineType = 'rspamd' | 'spamd';

export interface EngineSymbol {
  readonly name: string;
  /** The symbol's contribution in the engine's own units; spamd's SYMBOLS reply has none. */
  readonly score?: number;
}

export type EngineErrorKind = 'timeout' | 'too-large' | 'network' | 'protocol';

export type ExternalEngineOutcome =
  | {
      readonly status: 'ok';
      readonly engine: ExternalEngineType;
      readonly name: string;
      readonly isSpam: boolean;
      /** In the engine's units. */
      readonly score: number;
      /** The engine's own spam threshold (rspamd required_score, spamd's "/ 5.0"). */
      readonly required: number;
      /** rspamd's action (`no action`, `add header`, `reject`, …). */
      readonly action?: string;
      readonly symbols: readonly EngineSymbol[];
    }
  | {
      readonly status: 'error';
      readonly engine: ExternalEngineType;
      readonly name: string;
      readonly error: EngineErrorKind;
      readonly detail: string;
    };

export type EngineReading =
  | {
      readonly ok: true;
      readonly isSpam: boolean;
      readonly score: number;
      readonly required: number;
      readonly action?: string;
      readonly symbols: readonly EngineSymbol[];
    }
  | { readonly ok: false; readonly detail: string };

const MAX_SYMBOLS = 500;
const MAX_SYMBOL_NAME = 64;
const SPAM_ACTIONS = new Set(['reject', 'add header', 'rewrite subject']);

/**
 * rspamd's `/checkv2` JSON: `{ score, required_score, action, symbols: { NAME: { name,
 * score, … } }, … }`. `is_skipped: true` (the worker declined the message) is an error, not
 * a clean verdict.
 */
export function readRspamdResult(json: unknown): EngineReading {
  if (!isObject(json)) return { ok: false, detail: 'rspamd reply is not a JSON object' };
  if (json.is_skipped === true) return { ok: false, detail: 'rspamd skipped the message' };
  const score = json.score;
  const required = json.required_score;
  const action = json.action;
  if (!isFiniteNumber(score) || !isFiniteNumber(required) || typeof action !== 'string') {
    return { ok: false, detail: 'rspamd reply lacks score, required_score or action' };
  }
  const symbols: EngineSymbol[] = [];
  if (isObject(json.symbols)) {
    for (const [key, value] of Object.entries(json.symbols).slice(0, MAX_SYMBOLS)) {
      const name = symbolName(isObject(value) && typeof value.name === 'string' ? value.name : key);
      const symbolScore = isObject(value) && isFiniteNumber(value.score) ? value.score : undefined;
      if (name) symbols.push({ name, ...(symbolScore === undefined ? {} : { score: symbolScore }) });
    }
  }
  const cleanAction = action.slice(0, 32).toLowerCase();
  return {
    ok: true,
    isSpam: SPAM_ACTIONS.has(cleanAction) || (required > 0 && score >= required),
    score,
    required,
    action: cleanAction,
    symbols,
  };
}

/**
 * A spamd reply to `SYMBOLS`/`CHECK` (the SPAMC/SPAMD protocol of SpamAssassin's spamd):
 *
 *   SPAMD/1.1 0 EX_OK
 *   Content-length: 27
 *   Spam: True ; 7.5 / 5.0
 *
 *   BAYES_99,URIBL_BLACK,HTML_MESSAGE
 *
 * A status other than 0 (EX_OK) is spamd refusing the request (e.g. 76 EX_PROTOCOL).
 */
export function readSpamdResponse(text: string): EngineReading {
  const headerEnd = text.indexOf('\r\n\r\n');
  const head = (headerEnd === -1 ? text : text.slice(0, headerEnd)).slice(0, 4096);
  const lines = head.split('\r\n');
  const status = /^SPAMD\/\d{1,2}\.\d{1,2} (\d{1,3}) ([\x20-\x7e]{0,80})$/.exec(lines[0] ?? '');
  if (!status) return { ok: false, detail: `not a spamd reply: "${printable(lines[0] ?? '')}"` };
  if (status[1] !== '0')
    return { ok: false, detail: `spamd refused: ${status[1]} ${printable(status[2] ?? '')}` };
  let spam: RegExpExecArray | null = null;
  for (const line of lines.slice(1, 32)) {
    spam ??=
      /^Spam: *(True|False|Yes|No) *; *(-?\d{1,6}(?:\.\d{1,4})?) *\/ *(-?\d{1,6}(?:\.\d{1,4})?) *$/i.exec(
        line,
      );
  }
  if (!spam) return { ok: false, detail: 'spamd reply has no valid Spam header' };
  const verdict = (spam[1] ?? '').toLowerCase();
  const body = headerEnd === -1 ? '' : text.slice(headerEnd + 4, headerEnd + 4 + 65_536);
  const symbols = body
    .split(/[,\r\n]/)
    .slice(0, MAX_SYMBOLS)
    .map((s) => symbolName(s.trim()))
    .filter((s): s is string => s !== undefined)
    .map((name) => ({ name }));
  return {
    ok: true,
    isSpam: verdict === 'true' || verdict === 'yes',
    score: Number(spam[2]),
    required: Number(spam[3]),
    symbols,
  };
}

function symbolName(text: string): string | undefined {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(text) ? text.slice(0, MAX_SYMBOL_NAME) : undefined;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
