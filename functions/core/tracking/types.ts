import type { GraymailCategory } from '../graymail/classify-graymail.ts';
import type { ActionName } from '../policy/plan-actions.ts';
import type { Reason, SesVerdicts, SpamVerdict } from '../scan/types.ts';

/**
 * Where a message (or one recipient's copy of it) stands. Terminal states are the ones after
 * which the raw mail in S3 is no longer needed for processing (quarantined mail keeps its own
 * copy until it expires).
 */
export type MessageState =
  | 'received'
  | 'scanned'
  | 'classified'
  | 'delivering'
  | 'delivered'
  | 'quarantined'
  | 'dropped'
  | 'bounced'
  | 'released'
  | 'deleted'
  | 'error'
  | 'mixed';

export const TERMINAL_STATES: readonly MessageState[] = [
  'delivered',
  'quarantined',
  'dropped',
  'bounced',
  'released',
  'deleted',
];

export type Stage =
  | 'receive'
  | 'scan'
  | 'graymail'
  | 'action'
  | 'release'
  | 'admin'
  | 'pipeline'
  | 'unsubscribe';

/** One line of the message's history: what mail_logs would show, in order. */
export interface TrackingEvent {
  /** ISO 8601 timestamp. */
  readonly at: string;
  readonly stage: Stage;
  /** Short machine-friendly kind, e.g. `received`, `scanned`, `delivered`, `delivery-failed`. */
  readonly type: string;
  /** One human sentence. */
  readonly detail: string;
  readonly recipients?: readonly string[];
}

export interface ScanSummary {
  readonly score: number;
  readonly verdict: SpamVerdict;
  readonly reasons: readonly Reason[];
  readonly engineVersion: string;
  readonly note?: string;
}

export interface GraymailSummary {
  readonly category: GraymailCategory;
  readonly reasons: readonly Reason[];
}

export interface RecipientRecord {
  readonly recipient: string;
  readonly state: MessageState;
  readonly policy?: string;
  readonly action?: ActionName;
  /** Last response from the downstream host, or the error. */
  readonly response?: string;
  readonly updatedAt: string;
}

/** Everything known about one message. Keyed by the SES message id. */
export interface TrackingRecord {
  readonly messageId: string;
  readonly internetMessageId?: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly from?: string;
  readonly subject?: string;
  readonly size: number;
  readonly receivedAt: string;
  readonly remoteIp?: string;
  /**
   * The sender address a safelist entry would apply to next time: the From when DMARC passed,
   * else the envelope sender when SPF passed; absent when neither (see safelistableAddress).
   */
  readonly allowSender?: string;
  readonly bucket: string;
  readonly key: string;
  /**
   * SES's verdicts as the receipt notification gave them (SPF, DKIM, DMARC, spam, virus): the
   * action stage decides bounces and malware on them, so a redelivery needs them again.
   * Absent on records written before they were kept.
   */
  readonly ses?: SesVerdicts;
  readonly scan?: ScanSummary;
  readonly graymail?: GraymailSummary;
  /**
   * Verdicts some recipients' policies reached that differ from the score's (a policy with
   * its own thresholds, a list entry): `track --verdict` finds the message by them too.
   */
  readonly policyVerdicts?: readonly SpamVerdict[];
  readonly state: MessageState;
  readonly recipientStates: readonly RecipientRecord[];
  readonly events: readonly TrackingEvent[];
}
