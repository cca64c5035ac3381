import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeTrainingBase, type TrainingBase } from '../core/training/training-base.ts';

/**
 * Where `npm run train` writes the retraining job's base data, for callers that run from the
 * sources (the local gateway, tests). Like DEFAULT_MODEL_PATH it is only right in the source
 * tree; the retrain Lambda ships the file beside its bundle (BUNDLED_TRAINING_BASE_FILE).
 */
export const DEFAULT_TRAINING_BASE_PATH = fileURLToPath(
  new URL('../core/scan/model/training-base.bin.gz', import.meta.url),
);

const cache = new Map<string, TrainingBase>();

/**
 * Reads, gunzips and decodes the training base once per path and process (a warm retrain
 * container reuses it). A missing or corrupt file throws (the fs error, a zlib error or
 * TrainingBaseFormatError): a retrain without its base must fail, not train on submissions alone.
 */
export function loadTrainingBaseFile(path: string = DEFAULT_TRAINING_BASE_PATH): TrainingBase {
  const cached = cache.get(path);
  if (cached) return cached;
  const base = decodeTrainingBase(gunzipSync(readFileSync(path)));
  cache.set(path, base);
  return base;
}
