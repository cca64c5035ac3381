import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ListsStore } from '../app/ports.ts';
import {
  candidateEntries,
  type ListEntry,
  type ListKind,
  type ListScope,
} from '../core/lists/sender-lists.ts';

interface StoredEntry {
  pk: string;
  sk: string;
  entry: string;
  kind: ListKind;
  addedBy: string;
  addedAt: string;
}

const KIND_PREFIX: Record<ListKind, string> = { safe: 'SAFE#', block: 'BLOCK#' };

/** Lists table (see LISTS_TABLE): one item per entry, keyed by scope and kind + entry. */
export class DynamoListsStore implements ListsStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  async add(entry: ListEntry): Promise<void> {
    const item: StoredEntry = {
      pk: scopeKey(entry.scope),
      sk: `${KIND_PREFIX[entry.kind]}${entry.entry}`,
      entry: entry.entry,
      kind: entry.kind,
      addedBy: entry.addedBy,
      addedAt: entry.addedAt,
    };
    await this.db.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async remove(scope: ListScope, kind: ListKind, entry: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: scopeKey(scope), sk: `${KIND_PREFIX[kind]}${entry}` },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes !== undefined;
  }

  async list(scope: ListScope, kind?: ListKind): Promise<ListEntry[]> {
    const items: StoredEntry[] = [];
    let lastKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: kind ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': scopeKey(scope),
            ...(kind ? { ':prefix': KIND_PREFIX[kind] } : {}),
          },
          ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
        }),
      );
      items.push(...((out.Items ?? []) as StoredEntry[]));
      lastKey = out.LastEvaluatedKey;
    } while (lastKey);
    return items.map((item) => toEntry(item, scope));
  }

  async lookup(senders: readonly string[], recipients: readonly string[]): Promise<ListEntry[]> {
    // One key per candidate, whichever identity it comes from: an entry both match is read once.
    const candidates = [...new Set(senders.flatMap(candidateEntries))];
    if (candidates.length === 0) return [];
    const scopes: ListScope[] = [
      { type: 'global' },
      ...recipients.map((address) => ({ type: 'user' as const, address })),
    ];
    const keys = scopes.flatMap((scope) =>
      (['safe', 'block'] as const).flatMap((kind) =>
        candidates.map((candidate) => ({ pk: scopeKey(scope), sk: `${KIND_PREFIX[kind]}${candidate}` })),
      ),
    );
    const found: ListEntry[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let batch: Array<Record<string, unknown>> = keys.slice(i, i + 100);
      while (batch.length > 0) {
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: batch } } }),
        );
        for (const item of (out.Responses?.[this.table] ?? []) as StoredEntry[])
          found.push(toEntry(item, scopeOf(item.pk)));
        batch = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
      }
    }
    return found;
  }
}

function scopeKey(scope: ListScope): string {
  return scope.type === 'global' ? 'GLOBAL' : `USER#${scope.address.toLowerCase()}`;
}

function scopeOf(pk: string): ListScope {
  return pk === 'GLOBAL' ? { type: 'global' } : { type: 'user', address: pk.slice('USER#'.length) };
}

function toEntry(item: StoredEntry, scope: ListScope): ListEntry {
  return { scope, kind: item.kind, entry: item.entry, addedBy: item.addedBy, addedAt: item.addedAt };
}
