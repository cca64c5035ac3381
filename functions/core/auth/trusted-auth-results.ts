import type { HeaderBlock } from '../mime/raw-message.ts';
import { authResultsOf, parseAuthenticationResults } from './authentication-results.ts';
import { parseReceivedSpf, type ReceivedSpf } from './received-spf.ts';
import type { AuthResults } from './types.ts';

/**
 * Reads the sender authentication results that SES (or the local gateway playing SES) wrote
 * on the stored message, and nothing else.
 *
 * Anyone can write `Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass`
 * into the mail they send. RFC 8601 §5 asks the receiving border MTA to delete such forged
 * fields; SES does not, so we ignore them instead:
 *
 * - only fields above the second Received header count: SES prepends its Received, its
 *   verdicts and its Authentication-Results together (RFC 5321 §4.4 trace fields are
 *   prepended), so everything at or below the previous hop's Received was there before SES
 *   received the message;
 * - within that window, the top-most field whose authserv-id is a trusted one wins (RFC 8601
 *   §2.5: the authserv-id names who did the checks; a field naming someone else says
 *   nothing about what SES or we found);
 * - Received-SPF has no authserv-id: the top-most one in the window fills in SPF when the
 *   trusted Authentication-Results has none.
 *
 * A sender without any Received header of its own could still put a forged copy in the
 * window, but only below the one SES wrote: the receipt rule has scanning on, so SES always
 * writes one, and the top-most trusted field is SES's.
 */

export const SES_AUTHSERV_ID = 'amazonses.com';

/** The local gateway's host name: its Received lines and its Authentication-Results authserv-id. */
export const GATEWAY_AUTHSERV_ID = 'inbound-smtp.graywall.local';

/** How many fields of the window are looked at; SES's own block is about ten. */
const MAX_WINDOW_FIELDS = 100;

export function readTrustedAuthResults(
  header: HeaderBlock,
  trustedAuthservIds: readonly string[],
): AuthResults | undefined {
  const trusted = new Set(trustedAuthservIds.map((id) => id.toLowerCase()));
  let receivedSeen = 0;
  let fromHeader: AuthResults | undefined;
  // undefined: none seen yet; null: the top-most one did not parse.
  let receivedSpf: ReceivedSpf | null | undefined;
  for (const field of header.fields.slice(0, MAX_WINDOW_FIELDS)) {
    if (field.key === 'received' && ++receivedSeen === 2) break;
    if (field.key === 'authentication-results' && !fromHeader) {
      const parsed = parseAuthenticationResults(field.value);
      if (parsed && trusted.has(parsed.authservId)) fromHeader = authResultsOf(parsed);
    } else if (field.key === 'received-spf' && receivedSpf === undefined) {
      // The top-most one only, even when it does not parse: a lower copy is not SES's.
      receivedSpf = parseReceivedSpf(field.value) ?? null;
    }
  }
  const spfFallback = receivedSpf ? { result: receivedSpf.result, ...domainOf(receivedSpf) } : undefined;
  if (fromHeader) {
    if (!spfFallback) return fromHeader;
    if (!fromHeader.spf) return { ...fromHeader, spf: spfFallback };
    // SES's own spf entry carries `envelope-from=` as a separate statement rather than
    // `smtp.mailfrom`; its Received-SPF names the domain for the same check.
    if (!fromHeader.spf.domain && spfFallback.domain && fromHeader.spf.result === spfFallback.result) {
      return { ...fromHeader, spf: { ...fromHeader.spf, domain: spfFallback.domain } };
    }
    return fromHeader;
  }
  return spfFallback ? { authservId: 'received-spf', spf: spfFallback, dkim: [] } : undefined;
}

function domainOf(spf: { readonly domain?: string }): { domain?: string } {
  return spf.domain ? { domain: spf.domain } : {};
}
