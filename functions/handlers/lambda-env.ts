/**
 * The contract between the CDK stack and the Lambda handlers, with no imports so the CDK app
 * can read it without loading the adapters (and the AWS SDK) at synth.
 */

/** Environment the stack gives every function (see lib/constructs/graywall-function.ts). */
export const ENV = {
  configFile: 'GRAYWALL_CONFIG_FILE',
  bucket: 'MAIL_BUCKET',
  trackingTable: 'TRACKING_TABLE',
  quarantineTable: 'QUARANTINE_TABLE',
  listsTable: 'LISTS_TABLE',
  reportsTable: 'REPORTS_TABLE',
  unsubscribeTable: 'UNSUBSCRIBE_TABLE',
  /** ARN of the Secrets Manager secret unsubscribe links are signed with. */
  signingKeySecret: 'SIGNING_KEY_SECRET',
  /** Base URL of the public pages (the API's URL, unless config names its own). */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  graymailQueueUrl: 'GRAYMAIL_QUEUE_URL',
  actionQueueUrl: 'ACTION_QUEUE_URL',
  logLevel: 'LOG_LEVEL',
  /** Name of the retrain function, which the admin API invokes for "update now". */
  retrainFunction: 'RETRAIN_FUNCTION',
  /** Name of the digest function, which the admin API invokes for `graywall digest send`. */
  digestFunction: 'DIGEST_FUNCTION',
  /** The admin function's: each stage's dead-letter and stage queue ARNs, JSON (`graywall redrive`). */
  deadLetterQueues: 'DEAD_LETTER_QUEUES',
} as const;

/** The file name the CDK app writes the validated config to, beside each bundle. */
export const BUNDLED_CONFIG_FILE = 'graywall.config.json';

/** The file name the CDK app ships the statistical model under, beside the scan bundle. */
export const BUNDLED_MODEL_FILE = 'graywall-model.json';

/** The file name the CDK app ships the retraining job's base data under, beside the retrain bundle. */
export const BUNDLED_TRAINING_BASE_FILE = 'training-base.bin.gz';
