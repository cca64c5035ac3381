import { randomBytes } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClients, createAwsClients } from '../adapters/aws-clients.ts';
import { DsnBouncer } from '../adapters/bouncers.ts';
import { createDnsListLookup } from '../adapters/dns-lists.ts';
import { DynamoListsStore } from '../adapters/dynamo-lists-store.ts';
import { DynamoQuarantineStore } from '../adapters/dynamo-quarantine-store.ts';
import { DynamoReportsStore } from '../adapters/dynamo-reports-store.ts';
import { DynamoTrackingStore } from '../adapters/dynamo-tracking-store.ts';
import { DynamoUnsubscribeStore } from '../adapters/dynamo-unsubscribe-store.ts';
import { scanWithExternalEngines } from '../adapters/external-engines.ts';
import { loadModelFile } from '../adapters/load-model.ts';
import type { DnsResolver } from '../adapters/mail-auth.ts';
import { InMemoryMetrics } from '../adapters/memory-metrics.ts';
import { S3MailStore } from '../adapters/s3-mail-store.ts';
import { S3ModelStore } from '../adapters/s3-model-store.ts';
import { S3SubmissionStore } from '../adapters/s3-submission-store.ts';
import { type LookupAll, SafeHttpClient } from '../adapters/safe-http.ts';
import { SesUnsubscribeMailer } from '../adapters/ses-unsubscribe-mailer.ts';
import { fileSigningKeys, StaticSigningKeys } from '../adapters/signing-keys.ts';
import { environmentSmtpCredentials } from '../adapters/smtp-credentials.ts';
import type { SmtpCredentialsSource } from '../adapters/smtp-transport.ts';
import { redriveDeadLetters } from '../adapters/sqs-redrive.ts';
import { SqsStageQueue } from '../adapters/sqs-stage-queue.ts';
import {
  LISTS_TABLE,
  QUARANTINE_TABLE,
  REPORTS_TABLE,
  TRACKING_TABLE,
  UNSUBSCRIBE_TABLE,
} from '../adapters/table-definitions.ts';
import { loadTrainingBaseFile } from '../adapters/training-base-file.ts';
import { createTransport, createTransportFactory } from '../adapters/transport-factory.ts';
import { compileEngineInputs } from '../app/engine-inputs.ts';
import { ModelSource } from '../app/model-source.ts';
import type { Clock, Logger } from '../app/ports.ts';
import { retryDueUnsubscribes } from '../app/safe-unsubscribe.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { bounceSenderOf, type GraywallConfig } from '../core/config/schema.ts';
import { createActionHandler } from '../handlers/action.ts';
import { createAdminApiHandler } from '../handlers/admin-api.ts';
import { createAdminUiHandler } from '../handlers/admin-ui.ts';
import { createGraymailHandler } from '../handlers/graymail.ts';
import { createPublicPagesHandler } from '../handlers/public-pages.ts';
import { createScanHandler } from '../handlers/scan.ts';
import { createTable, type Emulators, startEmulators } from './emulators.ts';
import { type LocalHttpApi, startLocalHttpApi } from './http-api.ts';
import { type QueuePoller, type SqsHandler, startQueuePoller } from './queue-poller.ts';
import { LocalRetrainRunner } from './retrain-runner.ts';
import { type SmtpInbound, startSmtpInbound } from './smtp-inbound.ts';
import { type SinkMessage, type SmtpSink, startSmtpSink } from './smtp-sink.ts';

export interface GatewayOptions {
  readonly config: GraywallConfig;
  readonly log: Logger;
  /** 0 picks a free port (tests); `npm start` uses fixed ones. */
  readonly smtpPort?: number;
  readonly httpPort?: number;
  readonly sinkPort?: number;
  /** Where the built-in sink also writes each delivered message as an .eml file. */
  readonly sinkDir?: string;
  /** `sink` (default) delivers to the gateway's own SMTP sink; `config` to `config.delivery`. */
  readonly deliverTo?: 'sink' | 'config';
  /**
   * The SMTP login for `delivery.auth` with deliverTo `config`.
   * @default GRAYWALL_SMTP_USERNAME and GRAYWALL_SMTP_PASSWORD from the environment
   */
  readonly smtpCredentials?: SmtpCredentialsSource;
  /**
   * Seconds a failed message first stays invisible before its retry (the queues' visibility
   * timeout and the backoff's base, which doubles per attempt up to 30 times this). Short
   * locally so retries and dead-lettering happen in seconds, not the minutes and hours of AWS.
   */
  readonly retryDelaySeconds?: number;
  readonly onDelivered?: (message: SinkMessage) => void;
  /** Clock for the pipeline (tests move time forward, e.g. through an unsubscribe's retry window). */
  readonly clock?: Clock;
  /** Where the unsubscribe signing key is kept; a fresh in-memory key when absent (tests). */
  readonly signingKeyFile?: string;
  /** DNS for the unsubscribe client (tests resolve sender hosts to local servers or to private addresses). */
  readonly unsubscribeLookup?: LookupAll;
  /** Extra trust anchor for the unsubscribe client (tests' self-signed HTTPS endpoints). */
  readonly unsubscribeCa?: string;
  /** How often due unsubscribe retries run, in ms (0: never on a timer; call retryUnsubscribes). */
  readonly unsubscribeRetryEveryMs?: number;
  /** DNS for the SPF, DKIM and DMARC checks on receipt (tests hold a zone in memory); system DNS when absent. */
  readonly authResolver?: DnsResolver;
}

export interface Gateway {
  readonly smtp: { readonly host: '127.0.0.1'; readonly port: number };
  readonly apiUrl: string;
  readonly sink: SmtpSink | undefined;
  readonly emulators: Emulators;
  readonly clients: AwsClients;
  readonly deps: PipelineDeps;
  readonly queues: Readonly<Record<QueueName, { url: string; arn: string; dlqUrl: string; dlqArn: string }>>;
  /** Moves a stage's dead-lettered messages back to its queue (the local start-message-move-task). */
  redrive(queue: QueueName): Promise<number>;
  /** Runs the unsubscribe retry job once (as the scheduled function does in AWS). */
  retryUnsubscribes(): Promise<number>;
  /** Runs "update now" (POST /admin/model/retrain) in the background; `settled()` awaits the latest run. */
  readonly retraining: LocalRetrainRunner;
  stop(): Promise<void>;
}

export type QueueName = 'inbound' | 'graymail' | 'action';

export const LOCAL_NAMES = {
  bucket: 'graywall-mail',
  trackingTable: 'graywall-tracking',
  quarantineTable: 'graywall-quarantine',
  listsTable: 'graywall-lists',
  reportsTable: 'graywall-reports',
  unsubscribeTable: 'graywall-unsubscribe',
  queuePrefix: 'graywall-',
} as const;

/**
 * The whole pipeline on one machine: emulators, the same adapters and handlers as in AWS,
 * an SMTP listener playing SES inbound, pollers playing the SQS event source mappings, an
 * HTTP server playing API Gateway, and an SMTP sink playing the downstream mail host.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { log } = options;
  const stops: Array<() => Promise<void>> = [];
  try {
    const emulators = await startEmulators();
    stops.push(() => emulators.stop());
    const clients = createAwsClients({
      region: emulators.region,
      credentials: emulators.credentials,
      endpoints: emulators.endpoints,
    });

    await clients.s3.send(new CreateBucketCommand({ Bucket: LOCAL_NAMES.bucket }));
    await createTable(emulators.endpoints.dynamodb, LOCAL_NAMES.trackingTable, TRACKING_TABLE);
    await createTable(emulators.endpoints.dynamodb, LOCAL_NAMES.quarantineTable, QUARANTINE_TABLE);
    await createTable(emulators.endpoints.dynamodb, LOCAL_NAMES.listsTable, LISTS_TABLE);
    await createTable(emulators.endpoints.dynamodb, LOCAL_NAMES.reportsTable, REPORTS_TABLE);
    await createTable(emulators.endpoints.dynamodb, LOCAL_NAMES.unsubscribeTable, UNSUBSCRIBE_TABLE);
    const retryDelay = options.retryDelaySeconds ?? 2;
    const maxReceiveCount = options.config.pipeline.maxReceiveCount;
    const queues = {
      inbound: await createQueuePair(clients.sqs, 'inbound', retryDelay, maxReceiveCount),
      graymail: await createQueuePair(clients.sqs, 'graymail', retryDelay, maxReceiveCount),
      action: await createQueuePair(
        clients.sqs,
        'action',
        retryDelay,
        options.config.pipeline.deliveryAttempts,
      ),
    };

    let sink: SmtpSink | undefined;
    let config = options.config;
    if ((options.deliverTo ?? 'sink') === 'sink') {
      sink = await startSmtpSink({
        ...(options.sinkPort === undefined ? {} : { port: options.sinkPort }),
        ...(options.sinkDir === undefined ? {} : { saveDir: options.sinkDir }),
        ...(options.onDelivered ? { onMessage: options.onDelivered } : {}),
      });
      stops.push(() => (sink as SmtpSink).stop());
      // STARTTLS is required, as towards a real downstream host; the sink's certificate is
      // self-signed, so it is not verified (local only).
      config = {
        ...config,
        delivery: {
          type: 'smtp',
          host: '127.0.0.1',
          port: sink.port,
          tls: 'required',
          verifyCertificate: false,
          connectTimeoutSeconds: 5,
        },
      };
    }

    // The API starts first: its URL is the base of the unsubscribe links in delivered mail.
    let deps: PipelineDeps | undefined;
    const getDeps = (): PipelineDeps => {
      if (!deps) throw new Error('the gateway is still starting');
      return deps;
    };
    const api: LocalHttpApi = await startLocalHttpApi({
      port: options.httpPort ?? 0,
      adminHandler: createAdminApiHandler(getDeps),
      publicHandler: createPublicPagesHandler(getDeps),
      uiHandler: createAdminUiHandler(getDeps),
      log,
    });
    stops.push(() => api.stop());

    const mail = new S3MailStore(clients.s3, LOCAL_NAMES.bucket);
    // The sink takes no login; the config's own server gets the one delivery.auth asks for.
    const login =
      config.delivery.type === 'smtp' && config.delivery.auth
        ? (options.smtpCredentials ?? environmentSmtpCredentials(process.env))
        : undefined;
    const transport = createTransport(config, clients.ses, login);
    const clock = options.clock ?? { now: () => new Date() };
    const unsubscribe = config.unsubscribe;
    const models = new S3ModelStore(clients.s3, LOCAL_NAMES.bucket);
    const bundledModel = loadModelFile();
    const submissions = new S3SubmissionStore(clients.s3, LOCAL_NAMES.bucket);
    // The retraining job over the same stores, with the training base from the source tree.
    const retraining = new LocalRetrainRunner(() => ({
      config,
      models,
      submissions,
      trainingBase: { load: async () => loadTrainingBaseFile() },
      bundledModel,
      clock,
      log,
    }));
    // A run in progress finishes before the emulators stop under it.
    stops.push(async () => {
      await retraining.settled();
    });
    deps = {
      config,
      engineInputs: compileEngineInputs(config, {
        dnsLists: createDnsListLookup(config.antispam.reputation.dnsLists),
        external: {
          scan: (raw, context) => scanWithExternalEngines(config.antispam.externalEngines, raw, context),
        },
      }),
      model: bundledModel,
      // As in Lambda: the stage and admin handlers follow models/current.json (on `clock`).
      modelSource: new ModelSource({
        store: models,
        bundled: bundledModel,
        clock,
        log,
        refreshSeconds: config.model.refreshSeconds,
      }),
      models,
      mail,
      submissions,
      retrain: retraining,
      tracking: new DynamoTrackingStore(clients.dynamo, LOCAL_NAMES.trackingTable),
      quarantine: new DynamoQuarantineStore(clients.dynamo, LOCAL_NAMES.quarantineTable),
      lists: new DynamoListsStore(clients.dynamo, LOCAL_NAMES.listsTable),
      reports: new DynamoReportsStore(clients.dynamo, LOCAL_NAMES.reportsTable),
      queue: new SqsStageQueue(
        clients.sqs,
        { graymail: queues.graymail.url, action: queues.action.url },
        Object.fromEntries(Object.values(queues).map((q) => [q.arn, q.url])),
      ),
      // `graywall redrive`: the same move, done at once with plain SQS calls (the emulator has
      // no message move tasks).
      deadLetters: {
        redrive: async (stage) => ({
          moved: await redriveDeadLetters(clients.sqs, queues[stage].dlqUrl, queues[stage].url),
        }),
      },
      // The AWS backoff in seconds instead of minutes, capped at half a minute per retryDelay:
      // a local retry series plays out while someone watches.
      retryBackoff: { baseSeconds: retryDelay, maxSeconds: retryDelay * 30 },
      transport,
      // Alternate hosts are the admin's own servers: their TLS settings come from the config's
      // delivery, as in AWS, not from the built-in sink that stands in for the main host.
      transports: createTransportFactory(options.config),
      // Locally a bounce is a DSN handed to the downstream transport (the sink), where it can
      // be inspected; in AWS, SES sends it (SendBounce).
      bouncer: new DsnBouncer(transport, {
        from: bounceSenderOf(config),
        reportingMta: 'inbound-smtp.graywall.local',
        clock,
      }),
      unsubscribes: new DynamoUnsubscribeStore(clients.dynamo, LOCAL_NAMES.unsubscribeTable),
      keys: options.signingKeyFile
        ? fileSigningKeys(options.signingKeyFile)
        : new StaticSigningKeys([randomBytes(48).toString('base64url')]),
      http: new SafeHttpClient({
        allowLoopback: unsubscribe.allowLoopback,
        blockedHosts: unsubscribe.blockedHosts,
        timeoutMs: unsubscribe.timeoutSeconds * 1000,
        maxRedirects: unsubscribe.maxRedirects,
        ...(options.unsubscribeLookup ? { lookup: options.unsubscribeLookup } : {}),
        ...(options.unsubscribeCa ? { ca: options.unsubscribeCa } : {}),
      }),
      mailer: new SesUnsubscribeMailer(clients.ses),
      publicBaseUrl: (unsubscribe.publicUrl ?? api.url).replace(/\/+$/, ''),
      clock,
      log,
      // Kept in memory (tests read the totals); each handler's flush logs its values at debug level.
      metrics: new InMemoryMetrics({ log }),
    };
    const ready = deps;
    const retryUnsubscribes = (): Promise<number> => retryDueUnsubscribes(ready);
    if ((options.unsubscribeRetryEveryMs ?? 0) > 0) {
      // One run at a time: a run can take longer than the interval (slow senders), and two
      // runs would both pick up a request that is due, and try its links twice.
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        retryUnsubscribes()
          .catch((error) => log.warn('unsubscribe retry run failed', { error }))
          .finally(() => {
            running = false;
          });
      }, options.unsubscribeRetryEveryMs);
      stops.push(async () => clearInterval(timer));
    }

    const pollers: QueuePoller[] = [
      poll(clients.sqs, queues.inbound, 'graywall-scan', createScanHandler(getDeps) as SqsHandler, 10, log),
      poll(
        clients.sqs,
        queues.graymail,
        'graywall-graymail',
        createGraymailHandler(getDeps) as SqsHandler,
        10,
        log,
      ),
      poll(clients.sqs, queues.action, 'graywall-action', createActionHandler(getDeps) as SqsHandler, 5, log),
    ];
    stops.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });

    const smtp: SmtpInbound = await startSmtpInbound({
      config,
      mail,
      sqs: clients.sqs,
      inboundQueueUrl: queues.inbound.url,
      log,
      port: options.smtpPort ?? 0,
      ...(options.authResolver ? { authResolver: options.authResolver } : {}),
    });
    stops.push(() => smtp.stop());

    return {
      smtp: { host: '127.0.0.1', port: smtp.port },
      apiUrl: api.url,
      sink,
      emulators,
      clients,
      deps: ready,
      queues,
      retryUnsubscribes,
      retraining,
      redrive: (queue) => redriveDeadLetters(clients.sqs, queues[queue].dlqUrl, queues[queue].url),
      stop: () => stopAll(stops),
    };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
  // Reverse order: the SMTP listener first, the emulators last.
  for (const stop of stops.splice(0).reverse()) {
    await stop().catch(() => undefined);
  }
}

function poll(
  sqs: SQSClient,
  queue: { url: string; arn: string },
  functionName: string,
  handler: SqsHandler,
  batchSize: number,
  log: Logger,
): QueuePoller {
  return startQueuePoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    functionName,
    handler,
    batchSize,
    log,
  });
}

/** A stage queue and its dead-letter queue, with the same redrive policy as the stack's. */
async function createQueuePair(
  sqs: SQSClient,
  name: QueueName,
  visibilityTimeout: number,
  maxReceiveCount: number,
) {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${LOCAL_NAMES.queuePrefix}${name}-dlq` }));
  const dlqUrl = dlq.QueueUrl as string;
  const dlqArn = await queueArn(sqs, dlqUrl);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${LOCAL_NAMES.queuePrefix}${name}`,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  const url = queue.QueueUrl as string;
  return { url, arn: await queueArn(sqs, url), dlqUrl, dlqArn };
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes?.QueueArn as string;
}
