/**
 * The DynamoDB layouts the adapters read and write. The CDK stack and the local gateway both
 * create tables from these definitions, so AWS and the emulators cannot drift apart.
 * Every key attribute is a string.
 */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** KEYS_ONLY where the reader fetches the full item afterwards. */
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Epoch-seconds attribute DynamoDB TTL deletes items by. */
  readonly ttlAttribute: string;
  readonly indexes: readonly IndexDefinition[];
}

export const TRACKING_TABLE: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [
    { name: 'bySender', partitionKey: 'gsiSender', sortKey: 'gsiTime', projection: 'KEYS_ONLY' },
    { name: 'byRecipient', partitionKey: 'gsiRecipient', sortKey: 'gsiTime', projection: 'KEYS_ONLY' },
    { name: 'byDay', partitionKey: 'gsiDay', sortKey: 'gsiTime', projection: 'KEYS_ONLY' },
    // The Message-ID header (lowercased, no angle brackets): "find the message the user forwarded".
    { name: 'byMessageIdHeader', partitionKey: 'gsiMsgId', sortKey: 'gsiTime', projection: 'KEYS_ONLY' },
  ],
};

export const QUARANTINE_TABLE: TableDefinition = {
  partitionKey: 'messageId',
  sortKey: 'recipient',
  ttlAttribute: 'expiresAtEpoch',
  indexes: [
    { name: 'byRecipient', partitionKey: 'recipient', sortKey: 'quarantinedAt', projection: 'ALL' },
    { name: 'byDay', partitionKey: 'qDay', sortKey: 'quarantinedAt', projection: 'ALL' },
  ],
};

/**
 * Safelists and blocklists: pk is the scope (`GLOBAL` or `USER#<recipient>`), sk is
 * `<SAFE|BLOCK>#<entry>`. A lookup is one BatchGet of the keys a sender could match, so no
 * index is needed; entries do not expire.
 */
export const LISTS_TABLE: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [],
};

/**
 * Report counters: pk `DAY#<yyyy-mm-dd>`, sk `TOTALS` for the day's counters (atomic ADDs)
 * or `TOP#<list>#<key>` for one sender's or recipient's count in a top list. A report is a
 * query per day; items expire after a year and a bit.
 */
export const REPORTS_TABLE: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [],
};

/**
 * Unsubscribe requests: one item per message and recipient (pk `requestId`, sk `REQUEST`).
 * `byDue` is sparse: only in-progress requests carry `gsiDue`, sorted by their next attempt,
 * so the retry worker reads exactly the requests it has to retry.
 */
export const UNSUBSCRIBE_TABLE: TableDefinition = {
  partitionKey: 'requestId',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  indexes: [{ name: 'byDue', partitionKey: 'gsiDue', sortKey: 'nextAttemptAt', projection: 'KEYS_ONLY' }],
};
