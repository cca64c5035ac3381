import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deserializeModel, type StatisticalModel } from '../core/scan/statistical/model.ts';

/**
 * Where `npm run train` writes the model, for callers that run from the sources (the CLI,
 * the local gateway, tests, `npm run bench`). Resolved against this module's own URL, so it
 * is only right in the source tree: inside an esbuild bundle it would point next to the
 * bundle. Bundled Lambdas ship the artifact beside the handler under BUNDLED_MODEL_FILE and
 * pass that path.
 */
export const DEFAULT_MODEL_PATH = fileURLToPath(
  new URL('../core/scan/model/graywall-model.json', import.meta.url),
);

const cache = new Map<string, StatisticalModel>();

/**
 * Reads and decodes the statistical model once per path and process (a Lambda container,
 * the CLI, the local gateway): later calls return the same object. A missing or invalid
 * artifact throws (the fs error, or ModelFormatError), so a broken deployment fails its cold
 * start instead of silently scanning without the classifier.
 */
export function loadModelFile(path: string = DEFAULT_MODEL_PATH): StatisticalModel {
  const cached = cache.get(path);
  if (cached) return cached;
  const model = deserializeModel(readFileSync(path, 'utf8'));
  cache.set(path, model);
  return model;
}
