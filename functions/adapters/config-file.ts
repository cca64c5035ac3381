import { readFileSync } from 'node:fs';
import { parseConfig } from '../core/config/parse-config.ts';
import type { GraywallConfig } from '../core/config/schema.ts';
import { ConfigError } from '../core/errors.ts';

/** Reads and validates a YAML or JSON config file; errors name the file and every bad field. */
export function loadConfigFile(path: string): GraywallConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, path);
}
