import { type ExampleKind, FOLDS, type TrainingRecipe } from '../scan/statistical/fit-model.ts';
import type { TokenPart } from '../scan/statistical/tokenize.ts';
import type { TokenFeatures } from './message-features.ts';

/**
 * The base training data the retraining job starts from: the standard corpus (shared/CORPUS.md)
 * as features, not mail. `npm run train` writes it beside the model it trains
 * (functions/core/scan/model/training-base.bin.gz) and the retrain function ships it, so a
 * retrain never needs the corpus package (a devDependency) or the time to parse 6,000
 * messages. Per message: its kind, whether it is held out (the corpus TEST split, never trained
 * on: the fair held-out set every candidate is evaluated on), its cross-validation fold inside
 * TRAIN, its hashed tokens of each part (the content classifier's and the header classifier's,
 * split by `tokenPart` as the scan splits them) and the rules that fired on it.
 *
 * Compactness: a token seen in fewer than `minDocs` TRAIN messages can never become a feature
 * of its part's classifier trained on the base alone, so only each part's vocabulary (hashes in
 * at least that classifier's minDocs TRAIN messages, counted over that part) is kept, and each
 * message lists indices into it, delta- and varint-coded. The cost: a token seen once in the
 * base and again in a submission counts only its submission occurrences; submissions
 * themselves are tokenized whole at each retrain.
 *
 * Binary layout (gzip is the caller's, around it):
 *   "GWTBASE1"  u32le header length, header JSON (TrainingBaseHeader, its `format` says /2)
 *   per part (content, then header): varint vocabulary size, the hashes ascending as varint
 *   deltas
 *   varint documents, then per document: a flags byte (kind | heldOut << 2 | fold << 3), per
 *   part (content, then header) varint token count, varint n + n varint index deltas; then
 *   varint r + r varint rule indices (into header.ruleIds, ascending)
 * Pure: encode and decode bytes; reading and gunzipping the file is an adapter's job.
 */
export const TRAINING_BASE_FORMAT = 'graywall-training-base/2';

/** The parts in the order the file holds them. */
const PARTS: readonly TokenPart[] = ['content', 'header'];

/**
 * One message. Per part: its hashed tokens present, ascending, limited to the part's
 * vocabulary, and its distinct tokens of that part, known or not (the length normaliser's n).
 */
export interface BaseDocument extends Record<TokenPart, TokenFeatures> {
  readonly kind: ExampleKind;
  /** The corpus TEST split: only ever evaluated on. */
  readonly heldOut: boolean;
  /** Cross-validation fold inside TRAIN (0 for held-out documents). */
  readonly fold: number;
  /** Ids of the rules that fired (composites are derived from them). */
  readonly rules: readonly string[];
}

export interface TrainingBaseHeader {
  readonly format: typeof TRAINING_BASE_FORMAT;
  /** The RULES_VERSION whose rules produced `rules`; a retrain refuses a base from other rules. */
  readonly rulesVersion: string;
  /** The model `npm run train` built from the TRAIN documents with `recipe` (the shipped one). */
  readonly modelVersion: string;
  readonly recipe: TrainingRecipe;
  /** Where the messages came from, for the record. */
  readonly corpus: string;
  readonly ruleIds: readonly string[];
}

export interface TrainingBase extends Omit<TrainingBaseHeader, 'ruleIds'> {
  /** Per part, the hashes kept (strictly ascending): see the compactness note above. */
  readonly vocabulary: Readonly<Record<TokenPart, Uint32Array>>;
  readonly documents: readonly BaseDocument[];
}

/** A training base file that cannot be used; the message says why. */
export class TrainingBaseFormatError extends Error {
  override readonly name = 'TrainingBaseFormatError';
}

const MAGIC = 'GWTBASE1';
const KINDS: readonly ExampleKind[] = ['spam', 'easy-ham', 'hard-ham'];
const MAX_HEADER_BYTES = 1 << 20;

/** Encodes a training base; each document keeps only its hashes that are in its part's vocabulary. */
export function encodeTrainingBase(base: Omit<TrainingBase, 'format'>): Uint8Array {
  const ruleIds = [...new Set(base.documents.flatMap((d) => d.rules))].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const vocabularyIndex = PARTS.map((part) => {
    const vocabulary = base.vocabulary[part];
    const index = new Map<number, number>();
    vocabulary.forEach((hash, i) => {
      if (i > 0 && hash <= (vocabulary[i - 1] as number))
        throw new RangeError(`${part} vocabulary must be strictly ascending`);
      index.set(hash, i);
    });
    return index;
  });
  const header: TrainingBaseHeader = {
    format: TRAINING_BASE_FORMAT,
    rulesVersion: base.rulesVersion,
    modelVersion: base.modelVersion,
    recipe: base.recipe,
    corpus: base.corpus,
    ruleIds,
  };
  const out = new ByteWriter();
  out.bytes(new TextEncoder().encode(MAGIC));
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  out.u32(headerBytes.byteLength);
  out.bytes(headerBytes);
  for (const part of PARTS) {
    const vocabulary = base.vocabulary[part];
    out.varint(vocabulary.length);
    let previous = 0;
    for (const hash of vocabulary) {
      out.varint(hash - previous);
      previous = hash;
    }
  }
  out.varint(base.documents.length);
  for (const doc of base.documents) {
    if (!Number.isInteger(doc.fold) || doc.fold < 0 || doc.fold >= FOLDS) throw new RangeError('bad fold');
    out.byte(KINDS.indexOf(doc.kind) | (doc.heldOut ? 4 : 0) | (doc.fold << 3));
    PARTS.forEach((part, p) => {
      const index = vocabularyIndex[p] as Map<number, number>;
      out.varint(doc[part].tokenCount);
      // Hashes outside the vocabulary are dropped: that is the compaction (see above).
      const indices = [...doc[part].hashes]
        .map((hash) => index.get(hash))
        .filter((i): i is number => i !== undefined)
        .sort((a, b) => a - b);
      out.varint(indices.length);
      let last = -1;
      for (const i of indices) {
        out.varint(i - last - 1);
        last = i;
      }
    });
    const rules = [...new Set(doc.rules)].map((id) => ruleIndex.get(id) as number).sort((a, b) => a - b);
    out.varint(rules.length);
    for (const r of rules) out.varint(r);
  }
  return out.finish();
}

/** Validates and decodes a training base (the gunzipped bytes). Throws TrainingBaseFormatError. */
export function decodeTrainingBase(bytes: Uint8Array): TrainingBase {
  const input = new ByteReader(bytes);
  if (new TextDecoder().decode(input.bytes(MAGIC.length)) !== MAGIC)
    throw new TrainingBaseFormatError('not a Graywall training base (bad magic)');
  const headerLength = input.u32();
  if (headerLength > MAX_HEADER_BYTES) throw new TrainingBaseFormatError('header too large');
  const header = parseHeader(new TextDecoder().decode(input.bytes(headerLength)));
  const [content, headerVocabulary] = PARTS.map((part) => readVocabulary(input, part)) as [
    Uint32Array,
    Uint32Array,
  ];
  const vocabulary: Record<TokenPart, Uint32Array> = { content, header: headerVocabulary };
  const count = input.varint();
  const documents: BaseDocument[] = [];
  for (let d = 0; d < count; d++) {
    const flags = input.byte();
    const kind = KINDS[flags & 3];
    const fold = flags >> 3;
    if (kind === undefined || fold >= FOLDS) throw new TrainingBaseFormatError(`document ${d}: bad flags`);
    const [contentTokens, headerTokens] = PARTS.map((part) =>
      readTokens(input, vocabulary[part], `document ${d}`),
    ) as [TokenFeatures, TokenFeatures];
    const r = input.varint();
    if (r > header.ruleIds.length) throw new TrainingBaseFormatError(`document ${d}: too many rules`);
    const rules: string[] = [];
    for (let i = 0; i < r; i++) {
      const id = header.ruleIds[input.varint()];
      if (id === undefined) throw new TrainingBaseFormatError(`document ${d}: rule out of range`);
      rules.push(id);
    }
    documents.push({
      kind,
      heldOut: (flags & 4) !== 0,
      fold,
      content: contentTokens,
      header: headerTokens,
      rules,
    });
  }
  if (!input.done()) throw new TrainingBaseFormatError('trailing bytes after the documents');
  const { ruleIds: _ruleIds, ...rest } = header;
  return { ...rest, vocabulary, documents };
}

function readVocabulary(input: ByteReader, part: TokenPart): Uint32Array {
  const size = input.varint();
  if (size > input.remaining()) throw new TrainingBaseFormatError('truncated training base');
  const vocabulary = new Uint32Array(size);
  let hash = 0;
  for (let i = 0; i < size; i++) {
    const delta = input.varint();
    if (i > 0 && delta === 0)
      throw new TrainingBaseFormatError(`${part} vocabulary is not strictly ascending`);
    hash += delta;
    if (hash > 0xffffffff) throw new TrainingBaseFormatError(`${part} vocabulary hash out of range`);
    vocabulary[i] = hash;
  }
  return vocabulary;
}

/** One part of one document: its token count and its hashes, as indices into the vocabulary. */
function readTokens(input: ByteReader, vocabulary: Uint32Array, where: string): TokenFeatures {
  const tokenCount = input.varint();
  const n = input.varint();
  if (n > vocabulary.length || n > tokenCount) throw new TrainingBaseFormatError(`${where}: too many tokens`);
  const hashes = new Uint32Array(n);
  let index = -1;
  for (let i = 0; i < n; i++) {
    index += input.varint() + 1;
    if (index >= vocabulary.length) throw new TrainingBaseFormatError(`${where}: token out of range`);
    hashes[i] = vocabulary[index] as number;
  }
  return { hashes, tokenCount };
}

function parseHeader(text: string): TrainingBaseHeader {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TrainingBaseFormatError('header is not JSON', { cause: error });
  }
  const header = json as Partial<TrainingBaseHeader> | null;
  if (typeof header !== 'object' || header === null || header.format !== TRAINING_BASE_FORMAT)
    throw new TrainingBaseFormatError(`format must be ${TRAINING_BASE_FORMAT}`);
  for (const field of ['rulesVersion', 'modelVersion', 'corpus'] as const) {
    if (typeof header[field] !== 'string') throw new TrainingBaseFormatError(`header.${field} is missing`);
  }
  if (!Array.isArray(header.ruleIds) || !header.ruleIds.every((id) => typeof id === 'string'))
    throw new TrainingBaseFormatError('header.ruleIds must be a list of rule ids');
  const recipe = header.recipe;
  if (
    !recipe ||
    typeof recipe.series !== 'string' ||
    !Number.isInteger(recipe.minSupport) ||
    !numbers(recipe.layer, ['l2', 'logitClamp', 'hardHamWeight']) ||
    !isClassifierPoint(recipe.classifier) ||
    !isClassifierPoint(recipe.header)
  )
    throw new TrainingBaseFormatError('header.recipe is incomplete');
  return header as TrainingBaseHeader;
}

function isClassifierPoint(point: unknown): boolean {
  return (
    numbers(point, ['hardHamWeight']) &&
    numbers((point as Record<string, unknown>).options, [
      'l2',
      'epochs',
      'learningRate',
      'hamWeight',
      'normTokens',
      'minDocs',
      'pruneBelow',
      'seed',
      'ensemble',
    ])
  );
}

function numbers(value: unknown, names: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => Number.isFinite((value as Record<string, unknown>)[name]))
  );
}

class ByteWriter {
  private buffer = new Uint8Array(1 << 16);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
  }

  bytes(values: Uint8Array): void {
    this.reserve(values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  u32(value: number): void {
    for (let i = 0; i < 4; i++) this.byte((value >>> (8 * i)) & 0xff);
  }

  /** Unsigned LEB128 for values up to 2^53. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot varint-code ${value}`);
    let v = value;
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

class ByteReader {
  private readonly input: Uint8Array;
  private offset = 0;

  constructor(input: Uint8Array) {
    this.input = input;
  }

  byte(): number {
    if (this.offset >= this.input.length) throw new TrainingBaseFormatError('truncated training base');
    return this.input[this.offset++] as number;
  }

  bytes(n: number): Uint8Array {
    if (this.offset + n > this.input.length) throw new TrainingBaseFormatError('truncated training base');
    const out = this.input.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u32(): number {
    let value = 0;
    for (let i = 0; i < 4; i++) value += this.byte() * 2 ** (8 * i);
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 0x80;
    }
    throw new TrainingBaseFormatError('varint too long');
  }

  done(): boolean {
    return this.offset === this.input.length;
  }

  remaining(): number {
    return this.input.length - this.offset;
  }
}
