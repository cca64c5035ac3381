import type { Logger } from '../app/ports.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  readonly level?: Level;
  /** Where lines go; stdout (CloudWatch Logs in Lambda) by default. */
  readonly write?: (line: string) => void;
  readonly fields?: Record<string, unknown>;
}

/**
 * One JSON object per line, CloudWatch Logs Insights-friendly. Child loggers carry fields
 * such as `messageId` and `stage` so every line about a message can be found by its id.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.fields ?? {};
  const emit = (level: Level, message: string, data?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...serialise(data) }));
  };
  return {
    debug: (message, data) => emit('debug', message, data),
    info: (message, data) => emit('info', message, data),
    warn: (message, data) => emit('warn', message, data),
    error: (message, data) => emit('error', message, data),
    child: (fields) => createJsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** Errors do not survive JSON.stringify; turn them into name/message/stack/cause. */
function serialise(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!data) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data))
    out[key] = value instanceof Error ? errorFields(value) : value;
  return out;
}

function errorFields(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause instanceof Error ? { cause: errorFields(error.cause) } : {}),
  };
}
