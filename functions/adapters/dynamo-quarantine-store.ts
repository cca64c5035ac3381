import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Page, QuarantineQuery, QuarantineStore } from '../app/ports.ts';
import type { QuarantineItem, QuarantineState } from '../app/quarantine-item.ts';
import { daysBetween, decodeCursor, encodeCursor } from './dynamo-paging.ts';

/**
 * Quarantine table: one item per message and recipient (pk `messageId`, sk `recipient`),
 * listed by recipient (`byRecipient`) or by day (`byDay`), newest first. `expiresAtEpoch`
 * is the TTL attribute; the quarantined copy in S3 expires by lifecycle rule at the same age.
 */
export const QUARANTINE_INDEXES = { byRecipient: 'byRecipient', byDay: 'byDay' } as const;

type StoredItem = QuarantineItem & { expiresAtEpoch: number; qDay: string };

export class DynamoQuarantineStore implements QuarantineStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  async put(item: QuarantineItem): Promise<boolean> {
    const stored: StoredItem = {
      ...item,
      expiresAtEpoch: Math.floor(Date.parse(item.expiresAt) / 1000),
      qDay: item.quarantinedAt.slice(0, 10),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: stored,
          ConditionExpression: 'attribute_not_exists(messageId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(messageId: string, recipient: string): Promise<QuarantineItem | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { messageId, recipient: recipient.toLowerCase() },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toItem(out.Item as StoredItem) : undefined;
  }

  async listForMessage(messageId: string): Promise<QuarantineItem[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'messageId = :id',
        ExpressionAttributeValues: { ':id': messageId },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => toItem(item as StoredItem));
  }

  async list(query: QuarantineQuery): Promise<Page<QuarantineItem>> {
    const state: QuarantineState = query.state ?? 'quarantined';
    const cursor = decodeCursor(query.cursor);
    const byKey = query.recipient
      ? {
          index: QUARANTINE_INDEXES.byRecipient,
          attr: 'recipient',
          partitions: [query.recipient.toLowerCase()],
        }
      : { index: QUARANTINE_INDEXES.byDay, attr: 'qDay', partitions: daysBetween(query.since, query.until) };
    let partitions = byKey.partitions;
    if (cursor) partitions = partitions.slice(Math.max(0, partitions.indexOf(cursor.partition)));
    const items: QuarantineItem[] = [];
    let next: string | undefined;
    for (const [i, partition] of partitions.entries()) {
      let lastKey = cursor && partition === cursor.partition ? cursor.lastKey : undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: byKey.index,
            KeyConditionExpression: '#p = :p AND quarantinedAt BETWEEN :since AND :until',
            FilterExpression: '#state = :state',
            ExpressionAttributeNames: { '#p': byKey.attr, '#state': 'state' },
            ExpressionAttributeValues: {
              ':p': partition,
              ':since': query.since,
              ':until': query.until,
              ':state': state,
            },
            ScanIndexForward: false,
            // The filter applies after Limit: read in pages and stop once the page is full.
            Limit: Math.max(query.limit - items.length, 10),
            ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
          }),
        );
        for (const stored of out.Items ?? []) {
          const item = toItem(stored as StoredItem);
          if (items.length < query.limit && matchesQuarantineQuery(item, query)) items.push(item);
        }
        lastKey = out.LastEvaluatedKey as Record<string, string> | undefined;
        if (items.length >= query.limit && (out.Items?.length ?? 0) > 0) {
          // Resume after the last item returned, not after the last item read.
          const last = items[items.length - 1] as QuarantineItem;
          lastKey = indexKey(byKey.attr, partition, last);
          break;
        }
      } while (lastKey);
      if (items.length >= query.limit) {
        next = encodeCursor({ partition, ...(lastKey ? { lastKey } : {}) });
        if (!lastKey && i + 1 < partitions.length)
          next = encodeCursor({ partition: partitions[i + 1] as string });
        break;
      }
    }
    return { items, ...(next ? { cursor: next } : {}) };
  }

  async claimForDigest(
    messageId: string,
    recipient: string,
    at: string,
    staleBefore: string,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: digestKey(messageId, recipient),
          UpdateExpression: 'SET digestedAt = :at',
          // Not sent in a digest yet, and not claimed by a run that may still send it.
          ConditionExpression:
            'attribute_exists(messageId) AND #state = :q AND attribute_not_exists(digestSentAt) AND (attribute_not_exists(digestedAt) OR digestedAt < :stale)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':at': at, ':q': 'quarantined', ':stale': staleBefore },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markDigestSent(messageId: string, recipient: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: digestKey(messageId, recipient),
        UpdateExpression: 'SET digestSentAt = :at',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async releaseDigestClaim(messageId: string, recipient: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: digestKey(messageId, recipient),
        UpdateExpression: 'REMOVE digestedAt',
      }),
    );
  }

  async transition(
    messageId: string,
    recipient: string,
    from: { readonly states: readonly QuarantineState[]; readonly staleClaimBefore?: string },
    to: QuarantineState,
    fields: Partial<
      Pick<QuarantineItem, 'releasedBy' | 'releasedAt' | 'deletedBy' | 'deletedAt' | 'claimedAt'>
    > = {},
  ): Promise<QuarantineItem | undefined> {
    const values: Record<string, unknown> = { ':to': to };
    const inList = from.states.map((state, i) => {
      values[`:f${i}`] = state;
      return `:f${i}`;
    });
    let condition = `#state IN (${inList.join(', ')})`;
    if (from.staleClaimBefore) {
      values[':releasing'] = 'releasing';
      values[':stale'] = from.staleClaimBefore;
      condition = `(${condition}) OR (#state = :releasing AND claimedAt < :stale)`;
    }
    const sets = ['#state = :to'];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { messageId, recipient: recipient.toLowerCase() },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(messageId) AND (${condition})`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toItem(out.Attributes as StoredItem);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

function digestKey(messageId: string, recipient: string) {
  return { messageId, recipient: recipient.toLowerCase() };
}

function indexKey(attr: string, partition: string, item: QuarantineItem): Record<string, string> {
  return {
    [attr]: partition,
    quarantinedAt: item.quarantinedAt,
    messageId: item.messageId,
    recipient: item.recipient,
  };
}

function toItem(stored: StoredItem): QuarantineItem {
  const { expiresAtEpoch: _e, qDay: _d, ...item } = stored;
  return item;
}

/** Expiry, sender (envelope or From header) and subject criteria, case-insensitive. */
function matchesQuarantineQuery(item: QuarantineItem, query: QuarantineQuery): boolean {
  if (query.activeAt && item.expiresAt <= query.activeAt) return false;
  if (query.sender) {
    const wanted = query.sender.toLowerCase();
    if (item.envelopeFrom.toLowerCase() !== wanted && (item.from ?? '').toLowerCase() !== wanted)
      return false;
  }
  if (query.subject && !(item.subject ?? '').toLowerCase().includes(query.subject.toLowerCase()))
    return false;
  return true;
}
