import { join } from 'node:path';
import { createAwsClients } from '../adapters/aws-clients.ts';
import { SesBouncer } from '../adapters/bouncers.ts';
import { loadConfigFile } from '../adapters/config-file.ts';
import { DynamoListsStore } from '../adapters/dynamo-lists-store.ts';
import { DynamoQuarantineStore } from '../adapters/dynamo-quarantine-store.ts';
import { DynamoTrackingStore } from '../adapters/dynamo-tracking-store.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { S3MailStore } from '../adapters/s3-mail-store.ts';
import { SqsStageQueue } from '../adapters/sqs-stage-queue.ts';
import { createTransport, createTransportFactory } from '../adapters/transport-factory.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { bounceSenderOf } from '../core/config/schema.ts';
import { ConfigError } from '../core/errors.ts';

/** Environment the stack gives every function (see lib/constructs/pipeline.ts). */
export const ENV = {
  configFile: 'GRAYWALL_CONFIG_FILE',
  bucket: 'MAIL_BUCKET',
  trackingTable: 'TRACKING_TABLE',
  quarantineTable: 'QUARANTINE_TABLE',
  listsTable: 'LISTS_TABLE',
  graymailQueueUrl: 'GRAYMAIL_QUEUE_URL',
  actionQueueUrl: 'ACTION_QUEUE_URL',
  logLevel: 'LOG_LEVEL',
} as const;

/** The file name the CDK app writes the validated config to, beside each bundle. */
export const BUNDLED_CONFIG_FILE = 'graywall.config.json';

let cached: PipelineDeps | undefined;

/**
 * Builds the function's dependencies from its environment once per container (cold start),
 * so clients, config and connection pools are reused across invocations.
 */
export function lambdaDeps(env: NodeJS.ProcessEnv = process.env): PipelineDeps {
  if (cached) return cached;
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigError(`environment variable ${name} is not set`);
    return value;
  };
  const config = loadConfigFile(
    env[ENV.configFile] ?? join(env.LAMBDA_TASK_ROOT ?? process.cwd(), BUNDLED_CONFIG_FILE),
  );
  const clients = createAwsClients();
  const level = env[ENV.logLevel];
  cached = {
    config,
    mail: new S3MailStore(clients.s3, required(ENV.bucket)),
    tracking: new DynamoTrackingStore(clients.dynamo, required(ENV.trackingTable)),
    quarantine: new DynamoQuarantineStore(clients.dynamo, required(ENV.quarantineTable)),
    lists: new DynamoListsStore(clients.dynamo, required(ENV.listsTable)),
    queue: new SqsStageQueue(clients.sqs, {
      graymail: env[ENV.graymailQueueUrl] ?? '',
      action: env[ENV.actionQueueUrl] ?? '',
    }),
    transport: createTransport(config, clients.ses),
    transports: createTransportFactory(config),
    bouncer: new SesBouncer(clients.sesV1, bounceSenderOf(config)),
    clock: { now: () => new Date() },
    log: createJsonLogger(level === 'debug' || level === 'warn' || level === 'error' ? { level } : {}),
  };
  return cached;
}
