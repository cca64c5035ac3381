import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ClaimResult,
  NewTrackingRecord,
  Page,
  RecipientUpdate,
  ScanFields,
  TrackingQuery,
  TrackingStore,
} from '../app/ports.ts';
import { matchesTrackingQuery, normalizeMessageIdHeader } from '../app/tracking-query.ts';
import type { SesVerdicts, SpamVerdict } from '../core/scan/types.ts';
import { summarizeState } from '../core/tracking/summarize-state.ts';
import {
  type GraymailSummary,
  type MessageState,
  type RecipientRecord,
  type ScanSummary,
  TERMINAL_STATES,
  type TrackingEvent,
  type TrackingRecord,
} from '../core/tracking/types.ts';
import { daysBetween, decodeCursor, encodeCursor, timeRange } from './dynamo-paging.ts';

/**
 * Tracking table layout (one table, keys pk/sk):
 * - message item  `MSG#<id>` / `MSG`: the record, a map of recipient states and the event list;
 *   indexed by sender (`bySender`) and by day (`byDay`), both sorted by `<receivedAt>#<id>`.
 * - From index item `MSG#<id>` / `FROM`: written by the scan when the From header's address
 *   differs from the envelope sender, so `bySender` finds a message by either. Bulk senders
 *   use per-message bounce addresses (VERP), and the address an admin is asked about is the
 *   one the user saw: the From.
 * - recipient index item `MSG#<id>` / `RCPT#<address>`: one per envelope recipient, so
 *   `byRecipient` can find Bcc'd and multi-recipient mail; written once, never updated.
 * Items expire through the TTL attribute `expiresAt` (epoch seconds).
 */
export const TRACKING_INDEXES = {
  bySender: 'bySender',
  byRecipient: 'byRecipient',
  byDay: 'byDay',
  byMessageIdHeader: 'byMessageIdHeader',
} as const; // see table-definitions.ts

/** Index keys read per query page while searching. */
const SEARCH_PAGE = 50;

interface StoredRecipient {
  state: MessageState;
  policy?: string;
  action?: RecipientRecord['action'];
  response?: string;
  claimedAt?: string;
  updatedAt: string;
}

interface MessageItem {
  pk: string;
  sk: 'MSG';
  messageId: string;
  internetMessageId?: string;
  envelopeFrom: string;
  recipients: string[];
  fromHeader?: string;
  subject?: string;
  size: number;
  receivedAt: string;
  remoteIp?: string;
  allowSender?: string;
  bucket: string;
  key: string;
  ses?: SesVerdicts;
  scan?: ScanSummary;
  verdict?: string;
  score?: number;
  graymail?: GraymailSummary;
  category?: string;
  policyVerdicts?: Set<string>;
  progress: MessageState;
  state: MessageState;
  version: number;
  rcpt: Record<string, StoredRecipient>;
  events: TrackingEvent[];
  expiresAt: number;
  gsiSender: string;
  gsiDay: string;
  gsiTime: string;
}

const CLAIMABLE_NOT = [...TERMINAL_STATES, 'delivering'] as const;

export class DynamoTrackingStore implements TrackingStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  async create(record: NewTrackingRecord): Promise<boolean> {
    const gsiTime = `${record.receivedAt}#${record.messageId}`;
    const rcpt: Record<string, StoredRecipient> = {};
    for (const r of record.recipients) rcpt[r] = { state: 'received', updatedAt: record.event.at };
    const item: MessageItem = {
      pk: messagePk(record.messageId),
      sk: 'MSG',
      messageId: record.messageId,
      envelopeFrom: record.envelopeFrom,
      recipients: [...record.recipients],
      size: record.size,
      receivedAt: record.receivedAt,
      bucket: record.bucket,
      key: record.key,
      ...(record.ses ? { ses: record.ses } : {}),
      progress: 'received',
      state: 'received',
      version: 0,
      rcpt,
      events: [record.event],
      expiresAt: record.expiresAt,
      // The null reverse-path (bounces) has no address; index it under the literal `<>`.
      gsiSender: record.envelopeFrom.toLowerCase() || '<>',
      gsiDay: record.receivedAt.slice(0, 10),
      gsiTime,
    };
    let created = true;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      created = false;
    }
    // Index items are rewritten on every attempt (puts are idempotent), so a crash between
    // the two writes heals on the retry.
    await this.writeRecipientIndex(record, gsiTime);
    return created;
  }

  async get(messageId: string): Promise<TrackingRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: messagePk(messageId), sk: 'MSG' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord(out.Item as MessageItem) : undefined;
  }

  async recordScan(
    messageId: string,
    scan: ScanSummary,
    fields: ScanFields,
    event: TrackingEvent,
  ): Promise<boolean> {
    const recorded = await this.setOnce(messageId, 'scan', event, {
      scan,
      verdict: scan.verdict,
      score: scan.score,
      progress: 'scanned',
      state: 'scanned',
      internetMessageId: fields.internetMessageId,
      gsiMsgId: fields.internetMessageId
        ? normalizeMessageIdHeader(fields.internetMessageId) || undefined
        : undefined,
      fromHeader: fields.from,
      subject: fields.subject,
      remoteIp: fields.remoteIp,
      allowSender: fields.allowSender,
    });
    // Written on every attempt, like the recipient index: a crash after the update heals on
    // the retry (the From of a message does not change between attempts).
    if (fields.from) await this.writeFromIndex(messageId, fields.from);
    return recorded;
  }

  private async writeFromIndex(messageId: string, from: string): Promise<void> {
    const sender = from.toLowerCase();
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: messagePk(messageId), sk: 'MSG' },
        ProjectionExpression: 'gsiSender, gsiTime, expiresAt',
      }),
    );
    const item = out.Item as Pick<MessageItem, 'gsiSender' | 'gsiTime' | 'expiresAt'> | undefined;
    if (!item || item.gsiSender === sender) return;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: messagePk(messageId),
          sk: 'FROM',
          gsiSender: sender,
          gsiTime: item.gsiTime,
          expiresAt: item.expiresAt,
        },
      }),
    );
  }

  async recordGraymail(messageId: string, graymail: GraymailSummary, event: TrackingEvent): Promise<boolean> {
    return this.setOnce(messageId, 'graymail', event, {
      graymail,
      category: graymail.category,
      progress: 'classified',
      state: 'classified',
    });
  }

  async appendEvents(messageId: string, events: readonly TrackingEvent[]): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: messagePk(messageId), sk: 'MSG' },
        UpdateExpression: 'SET events = list_append(events, :ev)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ev': [...events] },
      }),
    );
  }

  async addPolicyVerdicts(messageId: string, verdicts: readonly SpamVerdict[]): Promise<void> {
    if (verdicts.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: messagePk(messageId), sk: 'MSG' },
        // A string set: a retried action stage adds the same verdicts again, changing nothing.
        UpdateExpression: 'ADD policyVerdicts :v',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':v': new Set(verdicts) },
      }),
    );
  }

  async updateRecipients(
    messageId: string,
    recipients: readonly string[],
    update: RecipientUpdate,
    event: TrackingEvent,
  ): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':ev': [event], ':one': 1 };
    const sets = recipients.map((recipient, i) => {
      names[`#r${i}`] = recipient;
      values[`:r${i}`] = {
        state: update.state,
        updatedAt: event.at,
        ...(update.policy === undefined ? {} : { policy: update.policy }),
        ...(update.action === undefined ? {} : { action: update.action }),
        ...(update.response === undefined ? {} : { response: truncate(update.response, 1000) }),
      } satisfies StoredRecipient;
      return `rcpt.#r${i} = :r${i}`;
    });
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: messagePk(messageId), sk: 'MSG' },
        UpdateExpression: `SET ${sets.join(', ')}, events = list_append(events, :ev) ADD version :one`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    await this.refreshState(out.Attributes as MessageItem);
  }

  async claimRecipients(
    messageId: string,
    recipients: readonly string[],
    now: Date,
    leaseMs: number,
  ): Promise<ClaimResult> {
    const claimed: string[] = [];
    const finished: RecipientRecord[] = [];
    const busy: string[] = [];
    const stale = new Date(now.getTime() - leaseMs).toISOString();
    for (const recipient of recipients) {
      const values: Record<string, unknown> = {
        ':delivering': 'delivering',
        ':now': now.toISOString(),
        ':stale': stale,
      };
      const notIn = CLAIMABLE_NOT.map((state, i) => {
        values[`:t${i}`] = state;
        return `:t${i}`;
      });
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: messagePk(messageId), sk: 'MSG' },
            UpdateExpression:
              'SET rcpt.#r.#st = :delivering, rcpt.#r.claimedAt = :now, rcpt.#r.updatedAt = :now',
            ConditionExpression: `attribute_exists(rcpt.#r) AND (NOT (rcpt.#r.#st IN (${notIn.join(', ')})) OR (rcpt.#r.#st = :delivering AND rcpt.#r.claimedAt < :stale))`,
            ExpressionAttributeNames: { '#r': recipient, '#st': 'state' },
            ExpressionAttributeValues: values,
          }),
        );
        claimed.push(recipient);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = (await this.get(messageId))?.recipientStates.find((r) => r.recipient === recipient);
        if (!current) throw new Error(`${recipient} is not a recipient of ${messageId}`);
        if (current.state === 'delivering') busy.push(recipient);
        else finished.push(current);
      }
    }
    return { claimed, finished, busy };
  }

  async releaseClaims(messageId: string, recipients: readonly string[]): Promise<void> {
    for (const recipient of recipients) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: messagePk(messageId), sk: 'MSG' },
            UpdateExpression: 'SET rcpt.#r.#st = :received REMOVE rcpt.#r.claimedAt',
            ConditionExpression: 'rcpt.#r.#st = :delivering',
            ExpressionAttributeNames: { '#r': recipient, '#st': 'state' },
            ExpressionAttributeValues: { ':received': 'received', ':delivering': 'delivering' },
          }),
        );
      } catch (error) {
        // Not claimed (e.g. a quarantined recipient being released): nothing to give back.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  /**
   * Walks the most selective index for the query (Message-ID, recipient, sender, else day by
   * day), newest first, reads the records and keeps those meeting every criterion, until the
   * page is full. The cursor is the index position of the last record looked at.
   */
  async search(query: TrackingQuery): Promise<Page<TrackingRecord>> {
    const { from, to } = timeRange(query.since, query.until);
    const cursor = decodeCursor(query.cursor);
    const byKey = query.internetMessageId
      ? {
          index: TRACKING_INDEXES.byMessageIdHeader,
          attr: 'gsiMsgId',
          partitions: [normalizeMessageIdHeader(query.internetMessageId)],
        }
      : query.recipient
        ? {
            index: TRACKING_INDEXES.byRecipient,
            attr: 'gsiRecipient',
            partitions: [query.recipient.toLowerCase()],
          }
        : query.sender
          ? { index: TRACKING_INDEXES.bySender, attr: 'gsiSender', partitions: [query.sender.toLowerCase()] }
          : {
              index: TRACKING_INDEXES.byDay,
              attr: 'gsiDay',
              partitions: daysBetween(query.since, query.until),
            };
    let partitions = byKey.partitions;
    if (cursor) partitions = partitions.slice(Math.max(0, partitions.indexOf(cursor.partition)));
    const found: TrackingRecord[] = [];
    for (const [i, partition] of partitions.entries()) {
      let lastKey = cursor && partition === cursor.partition ? cursor.lastKey : undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: byKey.index,
            KeyConditionExpression: '#p = :p AND gsiTime BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#p': byKey.attr },
            ExpressionAttributeValues: { ':p': partition, ':from': from, ':to': to },
            ScanIndexForward: false,
            Limit: SEARCH_PAGE,
            ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
          }),
        );
        const keys = (out.Items ?? []) as Array<Record<string, string>>;
        const records = await this.batchGet(keys.map((key) => key.pk as string));
        const byPk = new Map(records.map((r) => [messagePk(r.messageId), r]));
        for (const key of keys) {
          const record = byPk.get(key.pk as string);
          if (record && matchesTrackingQuery(record, query)) found.push(record);
          if (found.length >= query.limit) {
            const more = key !== keys.at(-1) || out.LastEvaluatedKey !== undefined;
            const next = more
              ? encodeCursor({ partition, lastKey: key })
              : i + 1 < partitions.length
                ? encodeCursor({ partition: partitions[i + 1] as string })
                : undefined;
            return { items: found, ...(next ? { cursor: next } : {}) };
          }
        }
        lastKey = out.LastEvaluatedKey as Record<string, string> | undefined;
      } while (lastKey);
    }
    return { items: found };
  }

  private async batchGet(pks: readonly string[]): Promise<TrackingRecord[]> {
    const unique = [...new Set(pks)];
    const byPk = new Map<string, TrackingRecord>();
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Array<Record<string, unknown>> = unique.slice(i, i + 100).map((pk) => ({ pk, sk: 'MSG' }));
      while (keys.length > 0) {
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }),
        );
        for (const item of out.Responses?.[this.table] ?? [])
          byPk.set(String(item.pk), toRecord(item as MessageItem));
        keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
      }
    }
    return unique.flatMap((pk) => byPk.get(pk) ?? []);
  }

  private async writeRecipientIndex(record: NewTrackingRecord, gsiTime: string): Promise<void> {
    const requests = record.recipients.map((recipient) => ({
      PutRequest: {
        Item: {
          pk: messagePk(record.messageId),
          sk: `RCPT#${recipient}`,
          gsiRecipient: recipient.toLowerCase(),
          gsiTime,
          expiresAt: record.expiresAt,
        },
      },
    }));
    for (let i = 0; i < requests.length; i += 25) {
      let batch: unknown[] = requests.slice(i, i + 25);
      while (batch.length > 0) {
        const out = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.table]: batch as never } }),
        );
        batch = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }

  /**
   * Sets `fields` and appends `event` unless attribute `once` is already set (the result of
   * an earlier attempt wins). Every name goes through a placeholder: many attribute names
   * (scan, state, size, key...) are DynamoDB reserved words.
   */
  private async setOnce(
    messageId: string,
    once: string,
    event: TrackingEvent,
    fields: Record<string, unknown>,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#once': once, '#events': 'events' };
    const values: Record<string, unknown> = { ':ev': [event] };
    const sets = ['#events = list_append(#events, :ev)'];
    Object.entries(fields).forEach(([name, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(messageId), sk: 'MSG' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#once)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Recomputes the message's summary state. The write is conditional on the version it was
   * computed from: if another update landed in between, that update writes the newer summary.
   */
  private async refreshState(item: MessageItem): Promise<void> {
    const state = summarizeState(Object.values(item.rcpt), item.progress);
    if (state === item.state) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: item.pk, sk: 'MSG' },
          UpdateExpression: 'SET #state = :s',
          ConditionExpression: 'version = :v',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':s': state, ':v': item.version },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function messagePk(messageId: string): string {
  return `MSG#${messageId}`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function toRecord(item: MessageItem): TrackingRecord {
  return {
    messageId: item.messageId,
    ...(item.internetMessageId === undefined ? {} : { internetMessageId: item.internetMessageId }),
    envelopeFrom: item.envelopeFrom,
    recipients: item.recipients,
    ...(item.fromHeader === undefined ? {} : { from: item.fromHeader }),
    ...(item.subject === undefined ? {} : { subject: item.subject }),
    size: item.size,
    receivedAt: item.receivedAt,
    ...(item.remoteIp === undefined ? {} : { remoteIp: item.remoteIp }),
    ...(item.allowSender === undefined ? {} : { allowSender: item.allowSender }),
    bucket: item.bucket,
    key: item.key,
    ...(item.ses === undefined ? {} : { ses: item.ses }),
    ...(item.scan === undefined ? {} : { scan: item.scan }),
    ...(item.graymail === undefined ? {} : { graymail: item.graymail }),
    ...(item.policyVerdicts === undefined
      ? {}
      : { policyVerdicts: [...item.policyVerdicts].sort() as SpamVerdict[] }),
    state: item.state,
    recipientStates: Object.entries(item.rcpt ?? {}).map(([recipient, r]) => ({
      recipient,
      state: r.state,
      ...(r.policy === undefined ? {} : { policy: r.policy }),
      ...(r.action === undefined ? {} : { action: r.action }),
      ...(r.response === undefined ? {} : { response: r.response }),
      updatedAt: r.updatedAt,
    })),
    events: item.events ?? [],
  };
}
