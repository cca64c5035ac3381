import { z } from 'zod';
import { BadRequestError, GraywallError } from '../errors.ts';

/**
 * Validation of what the model store reads back (functions/app/model-versions.ts holds the
 * types and the S3 layout): records and the current-version pointer are JSON objects in the
 * mail bucket, so anything that wrote there (an operator with `aws s3 cp`, an older or newer
 * Graywall) is checked before it can steer the scanner. A version name becomes part of an
 * S3 key, so it is checked too.
 */

/**
 * models/current.json exists but is not a valid pointer (hand-edited, truncated). Not the
 * same as no pointer: the functions keep their last good model and report it, and a
 * rollback overwrites it.
 */
export class InvalidModelPointerError extends GraywallError {
  override readonly name = 'InvalidModelPointerError';
}

/** Everything the model store keeps is under this prefix of the mail bucket (IAM grants are scoped to it). */
export const MODELS_PREFIX = 'models/';
export const MODEL_VERSIONS_PREFIX = `${MODELS_PREFIX}versions/`;
export const MODEL_RECORD_SUFFIX = '.record.json';
export const CURRENT_MODEL_KEY = `${MODELS_PREFIX}current.json`;

/** The keys of one version (layout in functions/app/model-versions.ts). */
export function modelVersionKeys(version: string): { readonly artifact: string; readonly record: string } {
  const name = parseModelVersion(version);
  return {
    artifact: `${MODEL_VERSIONS_PREFIX}${name}.json`,
    record: `${MODEL_VERSIONS_PREFIX}${name}${MODEL_RECORD_SUFFIX}`,
  };
}

/** What the admin API and CLI accept for "the model bundled with the functions". */
export const BUNDLED_MODEL = 'bundled';

/**
 * A model version name: letters, digits, `.`, `_`, `-`, starting with a letter or digit; at
 * most 100 characters (deserializeModel's limit). No `/`, so it cannot leave models/versions/.
 */
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const modelVersionName = z.string().regex(VERSION_PATTERN);

/** Checks a version name from outside (an API body, a CLI argument). */
export function parseModelVersion(text: unknown): string {
  if (typeof text === 'string' && VERSION_PATTERN.test(text)) return text;
  const shown = typeof text === 'string' ? `"${text.slice(0, 80)}"` : String(text);
  throw new BadRequestError(
    `${shown} is not a model version (letters, digits, ".", "_" and "-", at most 100 characters)`,
  );
}

const share = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

// Loose objects: fields a newer Graywall adds survive a status update by an older one.
const evaluationSchema = z.looseObject({
  spam: count,
  ham: count,
  hardHam: count,
  recallSuspect: share,
  recallPositive: share,
  falsePositiveRate: share,
  hardHamFalsePositiveRate: share,
});

export const modelVersionRecordSchema = z.looseObject({
  version: modelVersionName,
  createdAt: z.iso.datetime(),
  createdBy: z.string().min(1).max(512),
  baseVersion: z.string().min(1).max(100),
  status: z.enum(['candidate', 'pending', 'promoted', 'refused', 'retired']),
  statusReason: z.string().max(2000).optional(),
  evaluation: evaluationSchema.optional(),
  baselineEvaluation: evaluationSchema.optional(),
  submissions: z.array(z.string().max(128)),
  heldOutSubmissions: z.array(z.string().max(128)).optional(),
});

export const currentModelSchema = z.looseObject({
  version: modelVersionName,
  promotedAt: z.iso.datetime(),
  promotedBy: z.string().min(1).max(512),
  previous: z.string().min(1).max(100).optional(),
});

export type ParsedModelVersionRecord = z.output<typeof modelVersionRecordSchema>;
export type ParsedCurrentModel = z.output<typeof currentModelSchema>;

/** A stored record, or undefined when it is not valid JSON of the right shape. */
export function parseModelVersionRecord(json: string): ParsedModelVersionRecord | undefined {
  return parseWith(modelVersionRecordSchema, json);
}

/** The stored pointer, or undefined when it is not valid JSON of the right shape. */
export function parseCurrentModel(json: string): ParsedCurrentModel | undefined {
  return parseWith(currentModelSchema, json);
}

function parseWith<T extends z.ZodType>(schema: T, json: string): z.output<T> | undefined {
  try {
    const result = schema.safeParse(JSON.parse(json));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
