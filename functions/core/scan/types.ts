/** What a rule or engine contributed to a verdict: the answer to "why". */
export interface Reason {
  /** UPPER_SNAKE rule or signal id, stable across versions so admins can search for it. */
  readonly id: string;
  readonly group: RuleGroup;
  readonly description: string;
  /** Contribution to the 0-100 score (negative for ham signals). */
  readonly score: number;
  /** The matched header, string or URL, truncated; never the whole message. */
  readonly evidence?: string;
}

export type RuleGroup =
  | 'test'
  | 'header'
  | 'body'
  | 'uri'
  | 'structure'
  | 'composite'
  | 'ses'
  | 'statistical'
  | 'engine';

export type SpamVerdict = 'positive' | 'suspect' | 'clean' | 'unscannable';

export interface ScanResult {
  /** 0-100, finite. For `unscannable`, 0. */
  readonly score: number;
  readonly verdict: SpamVerdict;
  readonly reasons: readonly Reason[];
  /** Version of the rules and model that produced this result. */
  readonly engineVersion: string;
  /** Why the message was not (fully) scanned, when it was not. */
  readonly note?: string;
}

export interface Thresholds {
  readonly positiveThreshold: number;
  readonly suspectThreshold: number;
}

/** SES's own inbound verdicts (from the receipt notification, or the top-most SES headers). */
export interface SesVerdicts {
  readonly spam?: VerdictStatus;
  readonly virus?: VerdictStatus;
  readonly spf?: VerdictStatus;
  readonly dkim?: VerdictStatus;
  readonly dmarc?: VerdictStatus;
}

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';
