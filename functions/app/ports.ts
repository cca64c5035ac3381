import type { ListEntry, ListKind, ListScope } from '../core/lists/sender-lists.ts';
import type { SesVerdicts, SpamVerdict } from '../core/scan/types.ts';
import type { Submission, SubmissionCategory } from '../core/submissions/submission.ts';
import type {
  GraymailSummary,
  MessageState,
  RecipientRecord,
  ScanSummary,
  TrackingEvent,
  TrackingRecord,
} from '../core/tracking/types.ts';
import type { TrainingBase } from '../core/training/training-base.ts';
import type { UnsubscribeRequest, UnsubscribeState } from '../core/unsubscribe/request.ts';
import type { SigningKey } from '../core/unsubscribe/unsubscribe-token.ts';
import type { QuarantineItem, QuarantineState } from './quarantine-item.ts';

/**
 * The use cases' view of the outside world. Adapters implement these over S3, DynamoDB,
 * SQS, SMTP and SES; the same adapters run in AWS and against the local emulators.
 */

export interface Clock {
  now(): Date;
}

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  /** A logger that adds `fields` (e.g. the message id) to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** Raw mail objects in the mail bucket. */
export interface MailStore {
  readonly bucket: string;
  /** The object's bytes; throws NotFoundError when it does not exist. */
  get(key: string): Promise<Buffer>;
  /** Object size in bytes without downloading it; throws NotFoundError when absent. */
  size(key: string): Promise<number>;
  put(key: string, body: Uint8Array): Promise<void>;
  copy(fromKey: string, toKey: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface NewTrackingRecord {
  readonly messageId: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly receivedAt: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** SES's verdicts from the receipt notification (see TrackingRecord.ses). */
  readonly ses?: SesVerdicts;
  /** When DynamoDB TTL removes the record (epoch seconds). */
  readonly expiresAt: number;
  readonly event: TrackingEvent;
}

export interface ScanFields {
  readonly internetMessageId?: string;
  readonly from?: string;
  readonly subject?: string;
  readonly remoteIp?: string;
  /** The authenticated sender address a safelist entry would apply to (safelistableAddress). */
  readonly allowSender?: string;
}

export interface RecipientUpdate {
  readonly state: MessageState;
  readonly policy?: string;
  readonly action?: RecipientRecord['action'];
  readonly response?: string;
}

export interface ClaimResult {
  /** Recipients this caller now owns: deliver to them, then mark them. */
  readonly claimed: readonly string[];
  /** Recipients some earlier attempt already finished (state in the record). */
  readonly finished: readonly RecipientRecord[];
  /** Recipients another attempt is working on right now (lease not expired). */
  readonly busy: readonly string[];
}

export interface TrackingQuery {
  /** Envelope sender or From address. */
  readonly sender?: string;
  readonly recipient?: string;
  /** Case-insensitive substring of the Subject. */
  readonly subject?: string;
  /** The Message-ID header, with or without angle brackets. */
  readonly internetMessageId?: string;
  /**
   * A recipient's state (any recipient's, or `recipient`'s when given); `received`, `scanned`,
   * `classified` and `mixed` are the message's own (see matchesTrackingQuery).
   */
  readonly state?: MessageState;
  readonly verdict?: SpamVerdict;
  /** ISO timestamps, inclusive. */
  readonly since: string;
  readonly until: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

/** Message tracking: one record per message, every decision and event on it. */
export interface TrackingStore {
  /** Creates the record unless it exists. Returns false when it already did (a redelivery). */
  create(record: NewTrackingRecord): Promise<boolean>;
  get(messageId: string): Promise<TrackingRecord | undefined>;
  /** Stores the scan result once. Returns false (and changes nothing) if one is already stored. */
  recordScan(
    messageId: string,
    scan: ScanSummary,
    fields: ScanFields,
    event: TrackingEvent,
  ): Promise<boolean>;
  /** Stores the graymail result once. Returns false if one is already stored. */
  recordGraymail(messageId: string, graymail: GraymailSummary, event: TrackingEvent): Promise<boolean>;
  appendEvents(messageId: string, events: readonly TrackingEvent[]): Promise<void>;
  /** Adds verdicts recipients' policies reached besides the score's (a set: repeats are no-ops). */
  addPolicyVerdicts(messageId: string, verdicts: readonly SpamVerdict[]): Promise<void>;
  /** Sets the state of some recipients, appends the event and recomputes the message state. */
  updateRecipients(
    messageId: string,
    recipients: readonly string[],
    update: RecipientUpdate,
    event: TrackingEvent,
  ): Promise<void>;
  /**
   * Claims recipients for an irreversible action (delivery, quarantine) so that a duplicated
   * or retried stage acts on each recipient once. A claim older than `leaseMs` is considered
   * abandoned (the attempt holding it died) and can be taken over.
   */
  claimRecipients(
    messageId: string,
    recipients: readonly string[],
    now: Date,
    leaseMs: number,
  ): Promise<ClaimResult>;
  /** Gives claimed recipients back after a failed attempt so the retry can claim them. */
  releaseClaims(messageId: string, recipients: readonly string[]): Promise<void>;
  search(query: TrackingQuery): Promise<Page<TrackingRecord>>;
}

export interface QuarantineQuery {
  readonly recipient?: string;
  /** Envelope sender or From address. */
  readonly sender?: string;
  /** Case-insensitive substring of the Subject. */
  readonly subject?: string;
  readonly since: string;
  readonly until: string;
  readonly state?: QuarantineState;
  /**
   * Only items that have not expired at this ISO time. DynamoDB's TTL deletes expired items
   * up to a few days late, and S3 removes the stored copy a day after expiry: an item past
   * its expiresAt is gone as far as admins and end users are concerned.
   */
  readonly activeAt?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface SubmissionQuery {
  readonly since: string;
  readonly until: string;
  readonly category?: SubmissionCategory;
  readonly limit: number;
  readonly cursor?: string;
}

/** Reports of misclassified mail: the message and who reported it as what. */
export interface SubmissionStore {
  /** Stores the message, then the record (only a stored record makes the submission exist). */
  put(submission: Submission, raw: Uint8Array): Promise<void>;
  get(id: string): Promise<Submission | undefined>;
  /** The reported message's bytes; NotFoundError when it is not there. */
  raw(id: string): Promise<Buffer>;
  /** Newest first. */
  list(query: SubmissionQuery): Promise<Page<Submission>>;
  /** Every stored submission's id, oldest first (the retraining job reads them all). */
  ids(): Promise<string[]>;
  /** Replaces a stored submission's record (its message stays as it is). */
  updateRecord(submission: Submission): Promise<void>;
}

/** The retraining job's base data (the corpus as features), shipped beside the retrain function. */
export interface TrainingBaseSource {
  load(): Promise<TrainingBase>;
}

/** Who asked for a retraining run: the schedule, or an admin ("update now"). */
export interface RetrainRequest {
  /** `schedule`, or `update now by <IAM principal>`. */
  readonly requestedBy: string;
}

/**
 * Starts a retraining run without waiting for it (it takes longer than an API request may):
 * in AWS an asynchronous invocation of the retrain function, locally a background task.
 */
export interface RetrainTrigger {
  /** Resolves once the run is handed over, with a sentence saying where it runs. */
  start(request: RetrainRequest): Promise<{ readonly detail: string }>;
}

/**
 * Starts a digest run without waiting for it (`graywall digest send` in AWS: an asynchronous
 * invocation of the digest function, which may take longer than an API request may).
 */
export interface DigestTrigger {
  /** Resolves once the run is handed over, with a sentence saying where it runs. */
  start(requestedBy: string): Promise<{ readonly detail: string }>;
}

export interface QuarantineStore {
  /** Stores an item unless one exists for this message and recipient. Returns false if it did. */
  put(item: QuarantineItem): Promise<boolean>;
  get(messageId: string, recipient: string): Promise<QuarantineItem | undefined>;
  listForMessage(messageId: string): Promise<QuarantineItem[]>;
  list(query: QuarantineQuery): Promise<Page<QuarantineItem>>;
  /**
   * Moves an item to state `to` if it is currently in one of `from.states`, or in an in-flight
   * state (`releasing`) claimed before `from.staleClaimBefore` (the attempt holding it died).
   * Returns the updated item, or undefined when the item was in no such state.
   */
  transition(
    messageId: string,
    recipient: string,
    from: { readonly states: readonly QuarantineState[]; readonly staleClaimBefore?: string },
    to: QuarantineState,
    fields?: Partial<
      Pick<QuarantineItem, 'releasedBy' | 'releasedAt' | 'deletedBy' | 'deletedAt' | 'claimedAt'>
    >,
  ): Promise<QuarantineItem | undefined>;
  /**
   * Claims a still-quarantined item for a digest (digestedAt), unless it was sent in one
   * already or another run holds a claim newer than `staleBefore`. Returns whether it did.
   */
  claimForDigest(messageId: string, recipient: string, at: string, staleBefore: string): Promise<boolean>;
  /** After the digest went out: the item is never listed again. */
  markDigestSent(messageId: string, recipient: string, at: string): Promise<void>;
  /** Gives a claim back after the digest could not be sent. */
  releaseDigestClaim(messageId: string, recipient: string): Promise<void>;
}

export type StageName = 'graymail' | 'action';

/** A stage whose queue has a dead-letter queue that can be redriven. */
export type RedriveStage = 'inbound' | 'graymail' | 'action';
export const REDRIVE_STAGES: readonly RedriveStage[] = ['inbound', 'graymail', 'action'];

/** Moves a stage's dead letters back to its queue, once the cause of the failures is fixed. */
export interface DeadLetterRedrive {
  /**
   * `moved`: how many were moved, when the move is done at once (the local gateway);
   * `taskHandle`: the SQS message move task that is moving them (AWS), to follow with
   * `aws sqs list-message-move-tasks`.
   */
  redrive(stage: RedriveStage): Promise<{ readonly moved?: number; readonly taskHandle?: string }>;
}

/** The queues between pipeline stages. */
export interface StageQueue {
  send(stage: StageName, body: unknown): Promise<void>;
  /**
   * Makes a received record of a stage queue (named by its ARN, as the SQS event gives it)
   * visible again only after `delaySeconds`: the retry backoff of a failed record.
   */
  retryLater?(queueArn: string, receiptHandle: string, delaySeconds: number): Promise<void>;
}

export interface OutboundMail {
  /** Envelope sender (MAIL FROM); empty string for the null reverse-path `<>`. */
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly raw: Uint8Array;
  /**
   * The most the whole delivery may take, in milliseconds, when the caller has a time limit of
   * its own (a release runs in a 29-second API function): an SMTP session still open then is
   * given up as a retryable failure. Without it the transport's own timeouts apply.
   */
  readonly timeoutMs?: number;
}

export interface DeliveryReceipt {
  /** The downstream host's reply, e.g. `250 2.0.0 Ok: queued as 4F1`. */
  readonly response: string;
  readonly accepted: readonly string[];
  /** Recipients refused by the downstream host; the rest were accepted. */
  readonly rejected: readonly string[];
  /** The host's reply to each refused recipient's RCPT TO, where it gave one (`response` is DATA's). */
  readonly rejectedReplies?: Readonly<Record<string, string>>;
}

/**
 * Hands mail to the next hop. Throws DeliveryError (permanent for 5xx) when nothing was
 * accepted.
 */
export interface Transport {
  readonly description: string;
  deliver(mail: OutboundMail): Promise<DeliveryReceipt>;
}

/** Where an alternate-host action sends mail: host, and port (25 when not given). */
export interface HostTarget {
  readonly host: string;
  readonly port?: number;
}

/** Transports to hosts other than the configured delivery target (policy alternate host). */
export interface TransportFactory {
  forHost(target: HostTarget): Transport;
}

export interface BounceRequest {
  /** SES message id of the message being bounced. */
  readonly messageId: string;
  /** Where the bounce goes: the original envelope sender. */
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly arrivalDate: Date;
  readonly original: Uint8Array;
  /** RFC 3463 enhanced status code, e.g. 5.7.1. */
  readonly status: string;
  /**
   * Why, in our own words: it may name an internal policy, so a bouncer never sends it out;
   * the sender is told BOUNCE_EXPLANATION (core/mime/dsn.ts). The tracking record keeps the
   * policy for the admin.
   */
  readonly diagnostic: string;
  /** What the sender is told, when the policy says (bounceText); else BOUNCE_EXPLANATION. */
  readonly explanation?: string;
}

/** Returns mail to its sender with a delivery status notification. */
export interface Bouncer {
  readonly description: string;
  /** Returns a short description of what was sent (for the tracking record). */
  bounce(request: BounceRequest): Promise<string>;
}

/** Organisation-wide and per-recipient safelists and blocklists. */
export interface ListsStore {
  add(entry: ListEntry): Promise<void>;
  /** Returns false when the entry did not exist. */
  remove(scope: ListScope, kind: ListKind, entry: string): Promise<boolean>;
  list(scope: ListScope, kind?: ListKind): Promise<ListEntry[]>;
  /**
   * Every entry, in the global scope and in the given recipients' scopes, that could match
   * any of the senders (the envelope sender and the From address), each entry once.
   */
  lookup(senders: readonly string[], recipients: readonly string[]): Promise<ListEntry[]>;
}

/** Stored unsubscribe requests (one per message and recipient). */
export interface UnsubscribeStore {
  /** Stores the request unless one with its id exists; returns the stored one either way. */
  offer(request: UnsubscribeRequest): Promise<UnsubscribeRequest>;
  get(requestId: string): Promise<UnsubscribeRequest | undefined>;
  /**
   * Replaces the request's state fields if it is still in one of `from` states (so two
   * concurrent confirmations, or a retry racing a confirmation, act once). Returns the
   * updated request, or undefined when it had moved on.
   */
  update(
    requestId: string,
    from: readonly UnsubscribeState[],
    patch: Pick<UnsubscribeRequest, 'state' | 'attempts'> &
      Partial<Pick<UnsubscribeRequest, 'requestedAt' | 'retryUntil' | 'nextAttemptAt'>>,
    /** Also only if its next attempt is due by then (a retry run's claim: one run per request). */
    condition?: { readonly dueBy: string },
  ): Promise<UnsubscribeRequest | undefined>;
  /** In-progress requests whose next attempt is due at `now` or earlier. */
  due(now: string, limit: number): Promise<UnsubscribeRequest[]>;
}

/** The keys unsubscribe links are signed with: the current one, and every one still accepted. */
export interface SigningKeys {
  current(): Promise<SigningKey>;
  all(): Promise<ReadonlyMap<string, Uint8Array>>;
}

/** Sends the mail a mailto: unsubscribe URI asks for (RFC 2369 §3.2), from the recipient. */
export interface UnsubscribeMailer {
  send(mail: { from: string; to: string; subject: string; body: string }): Promise<string>;
}

/** The CloudWatch units the operational metrics use. */
export type MetricUnit = 'Count' | 'Milliseconds';

/**
 * Operational metrics (CloudWatch): how the pipeline runs right now, for the dashboard and
 * alarms. Not the admin's report (ReportsStore, business counts per day). Dimensions take few
 * values (a stage, a verdict), never a message id or an address. Values are buffered until
 * `flush`, which the Lambda handlers call once per invocation.
 */
export interface Metrics {
  add(name: string, unit: MetricUnit, value: number, dimensions: Readonly<Record<string, string>>): void;
  /** Writes out what was added since the last flush. */
  flush(): void;
}
