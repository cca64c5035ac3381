import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { TableDefinition } from '../adapters/table-definitions.ts';

/**
 * The AWS emulators the local gateway and the tests run on, all in-process and bound to
 * 127.0.0.1 on free ports: dynalite (DynamoDB), fauxqs (S3 and SQS), aws-ses-v2-local (SES).
 * See TOOLCHAIN.md for why these and their traps (fauxqs's startFauxqs binds 0.0.0.0, so
 * we build its app and listen ourselves; ses-local's default host is `::`).
 */
export interface Emulators {
  readonly endpoints: {
    readonly s3: string;
    readonly sqs: string;
    readonly dynamodb: string;
    readonly ses: string;
  };
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local-secret' } as const;

export async function startEmulators(): Promise<Emulators> {
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamo);

  const { buildApp } = await import('fauxqs');
  const fauxqs = buildApp({ logger: false, host: '127.0.0.1' });
  const fauxqsAddress = await fauxqs.listen({ port: 0, host: '127.0.0.1' });

  // CJS module with its server factory on `default`.
  const sesModule = (await import('aws-ses-v2-local')) as unknown as {
    default: { default?: (config: { host: string; port: number }) => Promise<Server> } & ((config: {
      host: string;
      port: number;
    }) => Promise<Server>);
  };
  const startSes = sesModule.default.default ?? sesModule.default;
  const ses = await startSes({ host: '127.0.0.1', port: 0 });
  const sesPort = (ses.address() as AddressInfo).port;

  return {
    endpoints: {
      s3: fauxqsAddress,
      sqs: fauxqsAddress,
      dynamodb: `http://127.0.0.1:${dynamoPort}`,
      ses: `http://127.0.0.1:${sesPort}`,
    },
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    async stop() {
      await Promise.all([close(dynamo), fauxqs.close(), close(ses)]);
    },
  };
}

/** Creates a table from its shared definition (the same one the CDK stack uses). */
export async function createTable(
  endpoint: string,
  name: string,
  definition: TableDefinition,
): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const attributes = new Set([
    definition.partitionKey,
    definition.sortKey,
    ...definition.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ]);
  const input: CreateTableCommandInput = {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' },
    ],
    // CreateTable rejects an empty index list: leave it out when there are none.
    ...(definition.indexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: definition.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection },
          })),
        }),
  };
  await client.send(new CreateTableCommand(input));
  client.destroy();
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
