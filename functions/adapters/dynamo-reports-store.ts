import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  COUNTERS,
  type Counter,
  type DayReport,
  mapTopLists,
  type ReportsStore,
  type TopList,
} from '../app/reporting.ts';

const RETENTION_SECONDS = 400 * 86_400;

/** Report counters in the reports table (see REPORTS_TABLE): atomic ADDs, one query per day. */
export class DynamoReportsStore implements ReportsStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  async add(
    day: string,
    counters: Partial<Record<Counter, number>>,
    top: ReadonlyArray<{ list: TopList; key: string }> = [],
  ): Promise<void> {
    const entries = Object.entries(counters).filter(([, n]) => n) as Array<[Counter, number]>;
    const expiresAt = Math.floor(Date.parse(day) / 1000) + RETENTION_SECONDS;
    if (entries.length > 0) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':exp': expiresAt };
      const adds = entries.map(([name, n], i) => {
        names[`#c${i}`] = name;
        values[`:c${i}`] = n;
        return `#c${i} :c${i}`;
      });
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `DAY#${day}`, sk: 'TOTALS' },
          UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :exp`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    }
    for (const { list, key } of top) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `DAY#${day}`, sk: `TOP#${list}#${key.toLowerCase()}` },
          UpdateExpression: 'ADD #n :one SET expiresAt = :exp',
          ExpressionAttributeNames: { '#n': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':exp': expiresAt },
        }),
      );
    }
  }

  async read(day: string, topSize: number): Promise<DayReport> {
    const items: Array<Record<string, unknown>> = [];
    let lastKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `DAY#${day}` },
          ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      lastKey = out.LastEvaluatedKey;
    } while (lastKey);
    const totals = items.find((item) => item.sk === 'TOTALS') ?? {};
    const counters: Partial<Record<Counter, number>> = {};
    for (const name of COUNTERS)
      if (typeof totals[name] === 'number') counters[name] = totals[name] as number;
    const top = mapTopLists((list) =>
      items
        .filter((item) => String(item.sk).startsWith(`TOP#${list}#`))
        .map((item) => ({ key: String(item.sk).slice(`TOP#${list}#`.length), count: Number(item.count) }))
        .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
        .slice(0, topSize),
    );
    return { day, counters, top };
  }
}
