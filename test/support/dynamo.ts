import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { type AwsClients, createAwsClients } from '../../functions/adapters/aws-clients.ts';
import { QUARANTINE_TABLE, TRACKING_TABLE } from '../../functions/adapters/table-definitions.ts';
import { createTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/local/emulators.ts';

/** dynalite on 127.0.0.1 with both tables, for adapter tests that need only DynamoDB. */
export async function startDynamo(): Promise<{ clients: AwsClients; stop: () => Promise<void> }> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await createTable(endpoint, 'tracking', TRACKING_TABLE);
  await createTable(endpoint, 'quarantine', QUARANTINE_TABLE);
  const clients = createAwsClients({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { dynamodb: endpoint },
  });
  return {
    clients,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
