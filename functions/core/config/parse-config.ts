import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { configSchema, type GraywallConfig } from './schema.ts';

/**
 * Parses and validates configuration text. `source` names the file in error messages.
 * JSON is a subset of YAML 1.2, so one parser reads both; the YAML parser is told to
 * reject duplicate keys, which silently override each other in JSON.parse.
 */
export function parseConfig(text: string, source = 'config'): GraywallConfig {
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true, prettyErrors: true, maxAliasCount: 50 });
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML or JSON: ${(error as Error).message}`, { cause: error });
  }
  return validateConfig(data, source);
}

export function validateConfig(data: unknown, source = 'config'): GraywallConfig {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(
      `${source}: must be a mapping of settings (got ${data === null ? 'nothing' : Array.isArray(data) ? 'a list' : typeof data})`,
    );
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => formatIssue(issue, data));
    throw new ConfigError(`${source} is not valid:\n${lines.map((line) => `  - ${line}`).join('\n')}`, {
      issues: lines,
    });
  }
  return result.data;
}

function formatIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  const got = valueAt(data, issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    // The default policy's thresholds are the antispam section's: say where they go.
    const thresholds = issue.keys.filter((key) => key === 'positiveThreshold' || key === 'suspectThreshold');
    if (path === 'policies.default' && thresholds.length > 0)
      message += ` (the default policy's thresholds are ${thresholds.map((key) => `antispam.${key}`).join(' and ')})`;
  } else if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
    message = got === undefined ? `is required: one of ${values}` : `must be one of ${values}`;
  } else if (issue.code === 'invalid_type' && got === undefined) {
    message = `is required (${issue.expected})`;
  }
  // JSON.stringify would show YAML's .inf and .nan as null.
  const shown =
    got === undefined || typeof got === 'object'
      ? ''
      : ` (got ${typeof got === 'number' && !Number.isFinite(got) ? String(got) : JSON.stringify(got)})`;
  return `${path}: ${message}${shown}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
