/**
 * The statistical model: a logistic regression over hashed token-presence features, plus
 * the calibration that maps its log-odds to our 0-100 score. Plain data, built by
 * `bin/train.ts`, shipped as a versioned JSON artifact, loaded once per container by an
 * adapter (`functions/adapters/load-model.ts`) and handed to the scan as an argument.
 *
 * A model may have a second classifier, `header`, over the tokens of the header part (see
 * `tokenPart` in tokenize.ts); the main classifier then weighs only the content part. The
 * combination layer weighs the two log-odds separately.
 */
export interface StatisticalModel extends WeightTable {
  /** Artifact version, recorded with every verdict (ScanResult.engineVersion). */
  readonly version: string;
  readonly bias: number;
  /**
   * Length normalisation: in a message of n > normTokens distinct tokens, each token's
   * weight counts sqrt(normTokens / n), so long mail cannot pile up many weak votes.
   */
  readonly normTokens: number;
  readonly calibration: Calibration;
  /**
   * The header classifier. When present, header-part tokens are looked up here (and only
   * here), content-part tokens in the main table; each part has its own bias and length
   * normalisation, counted over its own tokens.
   */
  readonly header?: PartModel;
  /**
   * How the classifier's log-odds and the rules combine into the 0-100 score, learned by
   * `npm run train`. Without it (an older artifact) the classifier scores through
   * `calibration` and every rule adds its default score.
   */
  readonly combination?: Combination;
}

/** Token hashes and their weights: a classifier's lookup table. */
export interface WeightTable {
  /** Token hashes (see `hashToken`), strictly ascending, for binary search. */
  readonly hashes: Uint32Array;
  /** Weight of each hash, same index. Positive = spam evidence. */
  readonly weights: Float32Array;
}

/** A classifier over one part of the token space: its table, bias and length normalisation. */
export interface PartModel extends WeightTable {
  readonly bias: number;
  readonly normTokens: number;
}

/** `normal` protects easy and hard ham; `aggressive` protects easy ham only (see Combination). */
export type ScanProfile = 'normal' | 'aggressive';

/**
 * The learned layer over [classifier log-odds, rule hits]: a logistic model
 * z = bias + statWeight · clamp(logit, ±logitClamp) [+ headerWeight · clamp(headerLogit,
 * ±logitClamp)] + Σ ruleWeights[id] over the rules that fired (composites included). Each
 * profile maps z to the score linearly, with z = `suspectZ` scoring 50 and z = `positiveZ`
 * scoring 90, so every part of z becomes a reason with its own score points and the points
 * add up to the score.
 */
export interface Combination {
  /** The RULES_VERSION the weights were learned for (recorded; weights are looked up by id). */
  readonly rulesVersion: string;
  readonly bias: number;
  readonly statWeight: number;
  /** Weight of the header classifier's log-odds; set exactly when the model has `header`. */
  readonly headerWeight?: number;
  readonly logitClamp: number;
  /** Learned weight (log-odds) of each rule or composite id that fired often enough in training. */
  readonly ruleWeights: ReadonlyMap<string, number>;
  readonly profiles: Readonly<Record<ScanProfile, ProfileAnchors>>;
}

export interface ProfileAnchors {
  /** z that scores 50. */
  readonly suspectZ: number;
  /** z that scores 90; above suspectZ. */
  readonly positiveZ: number;
}

/**
 * Where the classifier's log-odds meet our score scale. A message whose log-odds equal
 * `suspectLogit` scores 50, one at `positiveLogit` scores 90; linear between and beyond,
 * then clamped to [`minScore`, 100]. Chosen by cross-validation inside the training split.
 */
export interface Calibration {
  readonly suspectLogit: number;
  readonly positiveLogit: number;
  /** Floor of the contribution for very ham-like mail (negative: it can offset weak rules). */
  readonly minScore: number;
}

/** The file format. Arrays are little-endian bytes in base64 so the artifact stays small. */
export interface SerializedModel {
  readonly format: typeof MODEL_FORMAT | typeof MODEL_FORMAT_SINGLE;
  readonly version: string;
  readonly bias: number;
  readonly normTokens: number;
  readonly calibration: Calibration;
  readonly features: number;
  readonly hashes: string;
  readonly weights: string;
  /** The header classifier (format 2 only). */
  readonly header?: SerializedPart;
  readonly combination?: SerializedCombination;
  /** How the model was made (corpus, split, hyper-parameters, cross-validation figures). */
  readonly training?: Readonly<Record<string, unknown>>;
}

export interface SerializedPart {
  readonly bias: number;
  readonly normTokens: number;
  readonly features: number;
  readonly hashes: string;
  readonly weights: string;
}

export interface SerializedCombination {
  readonly rulesVersion: string;
  readonly bias: number;
  readonly statWeight: number;
  readonly headerWeight?: number;
  readonly logitClamp: number;
  readonly ruleWeights: Readonly<Record<string, number>>;
  readonly profiles: Readonly<Record<ScanProfile, ProfileAnchors>>;
}

/** The format written for models with a header classifier (what `npm run train` makes). */
export const MODEL_FORMAT = 'graywall-statistical/2';
/** The earlier format: one classifier over all tokens. Still read, and written for such models. */
export const MODEL_FORMAT_SINGLE = 'graywall-statistical/1';

const RULE_ID = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_RULE_WEIGHTS = 1000;

/** A model artifact that cannot be used. The message says what is wrong with it. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

export function serializeModel(
  model: StatisticalModel,
  training?: Readonly<Record<string, unknown>>,
): SerializedModel {
  return {
    format: model.header ? MODEL_FORMAT : MODEL_FORMAT_SINGLE,
    version: model.version,
    bias: model.bias,
    normTokens: model.normTokens,
    calibration: model.calibration,
    features: model.hashes.length,
    hashes: toBase64(littleEndianUint32(model.hashes)),
    weights: toBase64(littleEndianFloat32(model.weights)),
    ...(model.header === undefined
      ? {}
      : {
          header: {
            bias: model.header.bias,
            normTokens: model.header.normTokens,
            features: model.header.hashes.length,
            hashes: toBase64(littleEndianUint32(model.header.hashes)),
            weights: toBase64(littleEndianFloat32(model.header.weights)),
          },
        }),
    ...(model.combination === undefined ? {} : { combination: serializeCombination(model.combination) }),
    ...(training === undefined ? {} : { training }),
  };
}

/**
 * Validates and decodes a model artifact (the parsed JSON, or its text). Pure: the caller
 * reads the file. Throws ModelFormatError when anything is off, so a broken artifact fails
 * the cold start loudly instead of scoring every message 0.
 */
export function deserializeModel(input: unknown): StatisticalModel {
  const json = typeof input === 'string' ? parseJson(input) : input;
  if (!isRecord(json)) throw new ModelFormatError('model artifact is not a JSON object');
  if (json.format !== MODEL_FORMAT && json.format !== MODEL_FORMAT_SINGLE) {
    throw new ModelFormatError(
      `model format is ${String(json.format)}, expected ${MODEL_FORMAT} or ${MODEL_FORMAT_SINGLE}`,
    );
  }
  const split = json.format === MODEL_FORMAT;
  const version = json.version;
  if (typeof version !== 'string' || version.length === 0 || version.length > 100) {
    throw new ModelFormatError('model version must be a non-empty string');
  }
  const { bias, normTokens, hashes, weights } = deserializePart(json, 'model');
  const calibration = json.calibration;
  if (!isRecord(calibration)) throw new ModelFormatError('model calibration is missing');
  const suspectLogit = finite(calibration.suspectLogit, 'calibration.suspectLogit');
  const positiveLogit = finite(calibration.positiveLogit, 'calibration.positiveLogit');
  const minScore = finite(calibration.minScore, 'calibration.minScore');
  if (!(positiveLogit > suspectLogit)) {
    throw new ModelFormatError('calibration.positiveLogit must be above calibration.suspectLogit');
  }
  if (minScore > 0 || minScore < -100) throw new ModelFormatError('calibration.minScore must be in -100..0');
  if (split !== (json.header !== undefined)) {
    throw new ModelFormatError(
      split ? `a ${MODEL_FORMAT} model needs a header classifier` : 'model header needs the newer format',
    );
  }
  const header = json.header === undefined ? undefined : deserializePart(json.header, 'model header');
  const combination = json.combination === undefined ? undefined : deserializeCombination(json.combination);
  if (split ? combination?.headerWeight === undefined : combination?.headerWeight !== undefined) {
    throw new ModelFormatError('combination.headerWeight must be set exactly when the model has a header');
  }
  return {
    version,
    bias,
    hashes,
    weights,
    normTokens,
    calibration: { suspectLogit, positiveLogit, minScore },
    ...(header === undefined ? {} : { header }),
    ...(combination === undefined ? {} : { combination }),
  };
}

/** One classifier's bias, normalisation and table, validated (`name` prefixes the messages). */
function deserializePart(input: unknown, name: string): PartModel {
  if (!isRecord(input)) throw new ModelFormatError(`${name} must be an object`);
  const field = name === 'model' ? '' : 'header.';
  const bias = finite(input.bias, `${field}bias`);
  const normTokens = finite(input.normTokens, `${field}normTokens`);
  if (normTokens < 1) throw new ModelFormatError(`${name} normTokens must be at least 1`);
  const features = input.features;
  if (typeof features !== 'number' || !Number.isInteger(features) || features < 0) {
    throw new ModelFormatError(`${name} features must be a non-negative integer`);
  }
  if (typeof input.hashes !== 'string' || typeof input.weights !== 'string') {
    throw new ModelFormatError(`${name} hashes and weights must be base64 strings`);
  }
  const hashBytes = fromBase64(input.hashes);
  const weightBytes = fromBase64(input.weights);
  if (hashBytes.byteLength !== features * 4 || weightBytes.byteLength !== features * 4) {
    throw new ModelFormatError(`${name} arrays do not hold ${features} features`);
  }
  const hashes = readUint32(hashBytes);
  const weights = readFloat32(weightBytes);
  for (let i = 0; i < features; i++) {
    if (i > 0 && (hashes[i] as number) <= (hashes[i - 1] as number)) {
      throw new ModelFormatError(`${name} hashes must be strictly ascending`);
    }
    if (!Number.isFinite(weights[i])) throw new ModelFormatError(`${name} weights must be finite`);
  }
  return { bias, normTokens, hashes, weights };
}

export function serializeCombination(combination: Combination): SerializedCombination {
  return {
    rulesVersion: combination.rulesVersion,
    bias: combination.bias,
    statWeight: combination.statWeight,
    ...(combination.headerWeight === undefined ? {} : { headerWeight: combination.headerWeight }),
    logitClamp: combination.logitClamp,
    ruleWeights: Object.fromEntries(
      [...combination.ruleWeights].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    profiles: combination.profiles,
  };
}

function deserializeCombination(input: unknown): Combination {
  if (!isRecord(input)) throw new ModelFormatError('model combination must be an object');
  const rulesVersion = input.rulesVersion;
  if (typeof rulesVersion !== 'string' || rulesVersion.length === 0 || rulesVersion.length > 100) {
    throw new ModelFormatError('combination.rulesVersion must be a non-empty string');
  }
  const bias = finite(input.bias, 'combination.bias');
  const statWeight = finite(input.statWeight, 'combination.statWeight');
  const headerWeight =
    input.headerWeight === undefined ? undefined : finite(input.headerWeight, 'combination.headerWeight');
  const logitClamp = finite(input.logitClamp, 'combination.logitClamp');
  if (logitClamp <= 0) throw new ModelFormatError('combination.logitClamp must be positive');
  const rawWeights = input.ruleWeights;
  if (!isRecord(rawWeights)) throw new ModelFormatError('combination.ruleWeights must be an object');
  const entries = Object.entries(rawWeights);
  if (entries.length > MAX_RULE_WEIGHTS)
    throw new ModelFormatError('combination.ruleWeights has too many entries');
  const ruleWeights = new Map<string, number>();
  for (const [id, weight] of entries) {
    if (!RULE_ID.test(id))
      throw new ModelFormatError(`combination.ruleWeights: ${id.slice(0, 70)} is not a rule id`);
    ruleWeights.set(id, finite(weight, `combination.ruleWeights.${id}`));
  }
  const profiles = input.profiles;
  if (!isRecord(profiles)) throw new ModelFormatError('combination.profiles must be an object');
  const anchors = (name: ScanProfile): ProfileAnchors => {
    const value = profiles[name];
    if (!isRecord(value)) throw new ModelFormatError(`combination.profiles.${name} is missing`);
    const suspectZ = finite(value.suspectZ, `combination.profiles.${name}.suspectZ`);
    const positiveZ = finite(value.positiveZ, `combination.profiles.${name}.positiveZ`);
    if (!(positiveZ > suspectZ)) {
      throw new ModelFormatError(`combination.profiles.${name}.positiveZ must be above suspectZ`);
    }
    return { suspectZ, positiveZ };
  };
  return {
    rulesVersion,
    bias,
    statWeight,
    ...(headerWeight === undefined ? {} : { headerWeight }),
    logitClamp,
    ruleWeights,
    profiles: { normal: anchors('normal'), aggressive: anchors('aggressive') },
  };
}

/** The value of a present token in a message of `tokenCount` distinct tokens. */
export function featureValue(tokenCount: number, normTokens: number): number {
  return tokenCount > normTokens ? Math.sqrt(normTokens / tokenCount) : 1;
}

/** Weight of one token hash in a classifier's table, 0 when the table does not know it. */
export function weightOf(model: WeightTable, hash: number): number {
  const { hashes } = model;
  let lo = 0;
  let hi = hashes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = hashes[mid] as number;
    if (value < hash) lo = mid + 1;
    else if (value > hash) hi = mid - 1;
    else return model.weights[mid] as number;
  }
  return 0;
}

/**
 * 32-bit FNV-1a over the UTF-16 code units of the token. Fast, dependency-free and the same
 * on every machine, so the trainer and the scanner always agree.
 */
export function hashToken(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    hash ^= token.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError('model artifact is not valid JSON', { cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelFormatError(`model ${name} must be a finite number`);
  }
  return value;
}

function littleEndianUint32(values: Uint32Array): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i] as number, true);
  return new Uint8Array(view.buffer);
}

function littleEndianFloat32(values: Float32Array): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return new Uint8Array(view.buffer);
}

function readUint32(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

function readFloat32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ModelFormatError('model arrays must be base64');
  return Buffer.from(text, 'base64');
}
