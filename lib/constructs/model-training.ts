import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_MODEL_PATH } from '../../functions/adapters/load-model.ts';
import { DEFAULT_TRAINING_BASE_PATH } from '../../functions/adapters/training-base-file.ts';
import type { GraywallConfig } from '../../functions/core/config/schema.ts';
import { MODELS_PREFIX } from '../../functions/core/models/model-record.ts';
import { SUBMISSIONS_PREFIX } from '../../functions/core/submissions/submission.ts';
import { BUNDLED_MODEL_FILE, BUNDLED_TRAINING_BASE_FILE } from '../../functions/handlers/lambda-env.ts';
import { functionEnvironment, GraywallFunction } from './graywall-function.ts';

export interface ModelTrainingProps {
  /** The validated configuration (`model.retrainSchedule` sets when the job runs). */
  readonly config: GraywallConfig;
  /** Holds the submissions (read) and the model versions (read and written). */
  readonly mailBucket: IBucket;
  /** Named in every function's environment; the retrain function is granted no table access. */
  readonly trackingTable: ITableV2;
  readonly quarantineTable: ITableV2;
  readonly listsTable: ITableV2;
  readonly reportsTable: ITableV2;
  readonly unsubscribeTable: ITableV2;
  /** Named in the environment only; the retrain function cannot read it. */
  readonly signingKeySecret: ISecret;
  /** Notified when a retraining run fails (after Lambda's own retries). */
  readonly alarmTopic: ITopic;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The retraining job: a function that builds a new version of the statistical model from the
 * base corpus (shipped beside it as training-base.bin.gz, with the bundled model it compares
 * against when none is promoted) plus the submissions in the mail bucket, and promotes it only
 * when it is no worse on held-out mail (functions/app/retrain.ts). It runs on
 * `model.retrainSchedule` and, for "update now", when the admin function invokes it.
 */
export class ModelTraining extends Construct {
  public readonly retrainFunction: GraywallFunction;
  public readonly schedule: Rule;
  /** A retraining run failed (after Lambda's retries): no new version until someone looks. */
  public readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ModelTrainingProps) {
    super(scope, id);
    const { config, mailBucket } = props;

    this.retrainFunction = new GraywallFunction(this, 'Retrain', {
      handler: 'retrain',
      description: 'Graywall: retrain the statistical model on the submissions; promote it if no worse',
      // Measured locally (one core): a retrain over the 4,837-message base plus submissions
      // trains in 5-7 s at about 400 MB resident. Training is single-threaded: 2 GB buys a
      // full vCPU (Lambda gives one at 1,769 MB) and room for thousands of submissions.
      memorySize: 2048,
      // Minutes of margin over the measured seconds: reading submissions is one S3 GET per
      // record and per message, which dominates once thousands have piled up.
      timeout: Duration.minutes(10),
      config,
      environment: functionEnvironment(props),
      bundledFiles: {
        [BUNDLED_MODEL_FILE]: DEFAULT_MODEL_PATH,
        [BUNDLED_TRAINING_BASE_FILE]: DEFAULT_TRAINING_BASE_PATH,
      },
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
    const fn = this.retrainFunction;
    // Submissions: every record is listed and read, with its message (never written).
    fn.allowObjects(mailBucket, SUBMISSIONS_PREFIX, ['s3:GetObject'], 'read submissions to train on');
    fn.allowListing(mailBucket, SUBMISSIONS_PREFIX);
    // Model versions: the pointer and the current artifact are read, the new version's artifact
    // and record written, the pointer set on promotion, the replaced version's record retired;
    // earlier records are listed to find a set of submissions trained on before.
    fn.allowObjects(
      mailBucket,
      MODELS_PREFIX,
      ['s3:GetObject', 's3:PutObject'],
      'store and promote model versions',
    );
    fn.allowListing(mailBucket, MODELS_PREFIX);

    this.schedule = new Rule(this, 'Schedule', {
      description: 'Graywall: retrain the statistical model',
      schedule: Schedule.expression(config.model.retrainSchedule),
      targets: [new LambdaFunction(fn.function, { retryAttempts: 2 })],
    });

    this.failureAlarm = fn.failureAlarm(
      this,
      'RetrainFailures',
      'Graywall: a model retraining run failed; no new model version was built (see the retrain function log)',
      props.alarmTopic,
    );
  }
}
