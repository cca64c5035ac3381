import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly ses: SESv2Client;
  /** SES API v1, for SendBounce (which v2 lacks). */
  readonly sesV1: SESClient;
}

export interface AwsClientOptions {
  readonly region?: string;
  /** Endpoint overrides: the local gateway points every client at an emulator on 127.0.0.1. */
  readonly endpoints?: {
    readonly s3?: string;
    readonly sqs?: string;
    readonly dynamodb?: string;
    readonly ses?: string;
  };
  /** Explicit credentials (emulators); AWS uses the default provider chain (the function's role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** One set of clients per container, created at cold start and reused by every invocation. */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const base = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const endpoints = options.endpoints ?? {};
  const s3 = new S3Client({
    ...base,
    ...(endpoints.s3
      ? {
          endpoint: endpoints.s3,
          forcePathStyle: true,
          // Emulators differ in checksum support; AWS itself keeps the SDK defaults.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });
  // Queue URLs from emulators name hosts such as sqs.us-east-1.localhost: send to the endpoint.
  const sqs = new SQSClient({
    ...base,
    ...(endpoints.sqs ? { endpoint: endpoints.sqs, useQueueUrlAsEndpoint: false } : {}),
  });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...base, ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}) }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );
  const ses = new SESv2Client({ ...base, ...(endpoints.ses ? { endpoint: endpoints.ses } : {}) });
  const sesV1 = new SESClient({ ...base, ...(endpoints.ses ? { endpoint: endpoints.ses } : {}) });
  return { s3, sqs, dynamo, ses, sesV1 };
}
