import type { VerdictStatus } from '../scan/types.ts';

/**
 * Sender authentication results, one shape whoever produced them: SES (read back from the
 * Authentication-Results and Received-SPF it wrote on the stored message) or our own
 * verification with mailauth in the local gateway. The reasons are derived from this shape
 * only, so both modes score a message the same way.
 */

/** RFC 7208 §2.6 results (`hardfail` is an old spelling of `fail`). */
export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';
/** RFC 8601 §2.7.1 DKIM results. `neutral` includes a body hash mismatch in lenient verifiers. */
export type DkimResult = 'pass' | 'fail' | 'neutral' | 'policy' | 'none' | 'temperror' | 'permerror';
/** RFC 7489 §11.2 DMARC results. */
export type DmarcResult = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';
/** RFC 8617 §4.4 ARC chain validation results. */
export type ArcResult = 'pass' | 'fail' | 'none';
/** The policy a failing author domain asked for (RFC 7489 §6.3 `p=` / `sp=`). */
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface SpfCheck {
  readonly result: SpfResult;
  /** The checked identity's domain (MAIL FROM, or HELO when MAIL FROM was empty). */
  readonly domain?: string;
}

export interface DkimCheck {
  readonly result: DkimResult;
  /** `d=` (from `header.d`, or the domain of `header.i`). */
  readonly domain?: string;
  readonly selector?: string;
  /** `header.b`: the first characters of the signature's b= value, naming which signature (RFC 6008). */
  readonly signature?: string;
}

export interface DmarcCheck {
  readonly result: DmarcResult;
  readonly policy?: DmarcPolicy;
  /** The author (From) domain. */
  readonly domain?: string;
}

export interface ArcCheck {
  readonly result: ArcResult;
}

export interface AuthResults {
  /** Who did the checks (RFC 8601 §2.5 authserv-id): `amazonses.com` or our gateway's name. */
  readonly authservId: string;
  readonly spf?: SpfCheck;
  /** One entry per signature checked; empty when the message was unsigned. */
  readonly dkim: readonly DkimCheck[];
  readonly dmarc?: DmarcCheck;
  readonly arc?: ArcCheck;
}

/** SES's verdict vocabulary, extended with ARC (SES does not report ARC). */
export interface AuthVerdicts {
  readonly spf?: VerdictStatus;
  readonly dkim?: VerdictStatus;
  readonly dmarc?: VerdictStatus;
  readonly arc?: VerdictStatus;
}
