import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClients } from '../adapters/aws-clients.ts';
import { SesBouncer } from '../adapters/bouncers.ts';
import { loadConfigFile } from '../adapters/config-file.ts';
import { createDnsListLookup } from '../adapters/dns-lists.ts';
import { DynamoListsStore } from '../adapters/dynamo-lists-store.ts';
import { DynamoQuarantineStore } from '../adapters/dynamo-quarantine-store.ts';
import { DynamoReportsStore } from '../adapters/dynamo-reports-store.ts';
import { DynamoTrackingStore } from '../adapters/dynamo-tracking-store.ts';
import { DynamoUnsubscribeStore } from '../adapters/dynamo-unsubscribe-store.ts';
import { EmfMetrics } from '../adapters/emf-metrics.ts';
import { scanWithExternalEngines } from '../adapters/external-engines.ts';
import { createJsonLogger } from '../adapters/json-logger.ts';
import { loadModelFile } from '../adapters/load-model.ts';
import { S3MailStore } from '../adapters/s3-mail-store.ts';
import { S3ModelStore } from '../adapters/s3-model-store.ts';
import { S3SubmissionStore } from '../adapters/s3-submission-store.ts';
import { SafeHttpClient } from '../adapters/safe-http.ts';
import { SesUnsubscribeMailer } from '../adapters/ses-unsubscribe-mailer.ts';
import { SecretsManagerSigningKeys } from '../adapters/signing-keys.ts';
import { SecretsManagerSmtpCredentials } from '../adapters/smtp-credentials.ts';
import { SqsStageQueue } from '../adapters/sqs-stage-queue.ts';
import { createTransport, createTransportFactory } from '../adapters/transport-factory.ts';
import { compileEngineInputs } from '../app/engine-inputs.ts';
import { ModelSource } from '../app/model-source.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { bounceSenderOf } from '../core/config/schema.ts';
import { ConfigError } from '../core/errors.ts';
import { BUNDLED_CONFIG_FILE, BUNDLED_MODEL_FILE, ENV } from './lambda-env.ts';

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
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const config = loadConfigFile(env[ENV.configFile] ?? join(root, BUNDLED_CONFIG_FILE));
  const clients = createAwsClients();
  const secrets = new SecretsManagerClient({});
  const level = env[ENV.logLevel];
  const clock = { now: () => new Date() };
  const log = createJsonLogger(level === 'debug' || level === 'warn' || level === 'error' ? { level } : {});
  const models = new S3ModelStore(clients.s3, required(ENV.bucket));
  // Only the functions that need it (scan, admin API) ship the model beside their bundle; they
  // follow the promoted version (models/current.json) from there.
  const bundledModelPath = join(root, BUNDLED_MODEL_FILE);
  const bundled = existsSync(bundledModelPath) ? loadModelFile(bundledModelPath) : undefined;
  cached = {
    config,
    engineInputs: compileEngineInputs(config, {
      dnsLists: createDnsListLookup(config.antispam.reputation.dnsLists),
      external: {
        scan: (raw, context) => scanWithExternalEngines(config.antispam.externalEngines, raw, context),
      },
    }),
    model: bundled,
    ...(bundled
      ? {
          modelSource: new ModelSource({
            store: models,
            bundled,
            clock,
            log,
            refreshSeconds: config.model.refreshSeconds,
          }),
        }
      : {}),
    models,
    mail: new S3MailStore(clients.s3, required(ENV.bucket)),
    submissions: new S3SubmissionStore(clients.s3, required(ENV.bucket)),
    tracking: new DynamoTrackingStore(clients.dynamo, required(ENV.trackingTable)),
    quarantine: new DynamoQuarantineStore(clients.dynamo, required(ENV.quarantineTable)),
    lists: new DynamoListsStore(clients.dynamo, required(ENV.listsTable)),
    reports: new DynamoReportsStore(clients.dynamo, required(ENV.reportsTable)),
    unsubscribes: new DynamoUnsubscribeStore(clients.dynamo, required(ENV.unsubscribeTable)),
    keys: new SecretsManagerSigningKeys(secrets, required(ENV.signingKeySecret)),
    http: new SafeHttpClient({
      allowLoopback: false,
      blockedHosts: config.unsubscribe.blockedHosts,
      timeoutMs: config.unsubscribe.timeoutSeconds * 1000,
      maxRedirects: config.unsubscribe.maxRedirects,
    }),
    mailer: new SesUnsubscribeMailer(clients.ses),
    publicBaseUrl: (config.unsubscribe.publicUrl ?? env[ENV.publicBaseUrl] ?? '').replace(/\/+$/, ''),
    queue: new SqsStageQueue(clients.sqs, {
      graymail: env[ENV.graymailQueueUrl] ?? '',
      action: env[ENV.actionQueueUrl] ?? '',
    }),
    transport: createTransport(
      config,
      clients.ses,
      config.delivery.type === 'smtp' && config.delivery.auth
        ? new SecretsManagerSmtpCredentials(secrets, config.delivery.auth.secret)
        : undefined,
    ),
    transports: createTransportFactory(config),
    bouncer: new SesBouncer(clients.sesV1, bounceSenderOf(config)),
    clock,
    log,
    // Embedded metric format on stdout: CloudWatch Logs extracts the metrics (no API call, no IAM).
    metrics: new EmfMetrics(),
  };
  return cached;
}
