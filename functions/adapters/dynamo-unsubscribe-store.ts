import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { UnsubscribeStore } from '../app/ports.ts';
import type { UnsubscribeRequest, UnsubscribeState } from '../core/unsubscribe/request.ts';

const SK = 'REQUEST';
const DUE = 'PENDING';
/** Requests outlive their link by a month, so late clicks still find an answer. */
const KEEP_AFTER_LINK_EXPIRY_SECONDS = 30 * 86_400;

type Stored = UnsubscribeRequest & { sk: string; expiresAt: number; gsiDue?: string };

/** Unsubscribe requests in the unsubscribe table (see UNSUBSCRIBE_TABLE). */
export class DynamoUnsubscribeStore implements UnsubscribeStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  async offer(request: UnsubscribeRequest): Promise<UnsubscribeRequest> {
    const item: Stored = {
      ...request,
      sk: SK,
      expiresAt: Math.floor(Date.parse(request.linkExpiresAt) / 1000) + KEEP_AFTER_LINK_EXPIRY_SECONDS,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(requestId)',
        }),
      );
      return request;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.get(request.requestId)) ?? request;
    }
  }

  async get(requestId: string): Promise<UnsubscribeRequest | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { requestId, sk: SK }, ConsistentRead: true }),
    );
    return out.Item ? toRequest(out.Item as Stored) : undefined;
  }

  async update(
    requestId: string,
    from: readonly UnsubscribeState[],
    patch: Pick<UnsubscribeRequest, 'state' | 'attempts'> &
      Partial<Pick<UnsubscribeRequest, 'requestedAt' | 'retryUntil' | 'nextAttemptAt'>>,
    condition?: { readonly dueBy: string },
  ): Promise<UnsubscribeRequest | undefined> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const [i, [name, value]] of Object.entries(patch).entries()) {
      if (value === undefined) continue;
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    }
    // Only in-progress requests are in the retry index.
    let remove = '';
    if (patch.state === 'in-progress') {
      names['#due'] = 'gsiDue';
      values[':due'] = DUE;
      sets.push('#due = :due');
    } else {
      names['#due'] = 'gsiDue';
      names['#next'] = 'nextAttemptAt';
      remove = ' REMOVE #due, #next';
    }
    const allowed = from.map((state, i) => {
      values[`:s${i}`] = state;
      return `:s${i}`;
    });
    let dueCondition = '';
    if (condition) {
      // ISO 8601 UTC times compare as strings.
      names['#nextDue'] = 'nextAttemptAt';
      values[':dueBy'] = condition.dueBy;
      dueCondition = ' AND #nextDue <= :dueBy';
    }
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { requestId, sk: SK },
          UpdateExpression: `SET ${sets.join(', ')}${remove}`,
          ConditionExpression: `attribute_exists(requestId) AND #state IN (${allowed.join(', ')})${dueCondition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRequest(out.Attributes as Stored);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async due(now: string, limit: number): Promise<UnsubscribeRequest[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byDue',
        KeyConditionExpression: 'gsiDue = :due AND nextAttemptAt <= :now',
        ExpressionAttributeValues: { ':due': DUE, ':now': now },
        Limit: limit,
      }),
    );
    const keys = (out.Items ?? []).map((item) => ({ requestId: item.requestId, sk: SK }));
    if (keys.length === 0) return [];
    const got = await this.db.send(
      new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
    );
    return ((got.Responses?.[this.table] ?? []) as Stored[])
      .map(toRequest)
      .filter((r) => r.state === 'in-progress');
  }
}

function toRequest(item: Stored): UnsubscribeRequest {
  const { sk: _sk, expiresAt: _e, gsiDue: _d, ...request } = item;
  return request;
}
