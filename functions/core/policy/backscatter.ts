import { domainOfAddress } from '../auth/domain-alignment.ts';
import { isPlainAddress } from '../mime/plain-address.ts';

/**
 * Whether a bounce may go to a message's return path. A bounce to a forged return path is
 * backscatter: spam to an innocent third party, and the reason mail systems blocklist
 * bouncing gateways. It goes only to a return path that was itself verified:
 * - SPF passed for it (RFC 7208: the envelope sender's domain authorised the sending host); or
 * - DMARC passed for the From domain and the return path is in exactly that domain (strict
 *   alignment, RFC 7489 §3.1.2). DMARC alone vouches for the From, not for the return path:
 *   anyone who signs mail for a domain of their own could otherwise aim our bounces at any
 *   address. Relaxed (organisational) alignment is not enough either, for the same reason
 *   under shared suffixes such as github.io.
 */
export interface ReturnPathEvidence {
  /** MAIL FROM; empty for the null reverse-path `<>`. */
  readonly envelopeFrom: string;
  /** The From header's address, when there is one. */
  readonly headerFrom?: string;
  readonly spf?: string;
  readonly dmarc?: string;
}

export type BounceDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function mayBounceTo(evidence: ReturnPathEvidence): BounceDecision {
  const { envelopeFrom, headerFrom, spf, dmarc } = evidence;
  if (!envelopeFrom) return { ok: false, reason: 'the message has no return path (it is itself a bounce)' };
  // The report's To: and its text name the return path: outside printable ASCII (an SMTPUTF8
  // address, RFC 6531) it could not be written into the report's header as it is.
  if (!isPlainAddress(envelopeFrom)) {
    return {
      ok: false,
      reason: 'the return path is not a plain ASCII address a delivery report could be sent to',
    };
  }
  if (spf === 'PASS') return { ok: true };
  const aligned = !!headerFrom && domainOfAddress(headerFrom) === domainOfAddress(envelopeFrom);
  if (dmarc === 'PASS' && aligned) return { ok: true };
  return {
    ok: false,
    reason:
      dmarc === 'PASS'
        ? `SPF did not pass for the return path (SPF ${spf ?? 'not checked'}), and DMARC vouches for the From domain, not for <${envelopeFrom}> in another domain; bouncing could hit a forged address`
        : `the sender is not authenticated (SPF ${spf ?? 'not checked'}, DMARC ${dmarc ?? 'not checked'}); bouncing could hit a forged address`,
  };
}
