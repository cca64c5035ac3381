import { Resolver } from 'node:dns/promises';
import { authenticate } from 'mailauth';
import { authVerdicts } from '../core/auth/auth-reasons.ts';
import { authResultsOf, parseAuthenticationResults } from '../core/auth/authentication-results.ts';
import type { AuthResults, AuthVerdicts } from '../core/auth/types.ts';

/**
 * SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) verification with
 * mailauth, for the local gateway, where no SES has done it. In AWS, SES verifies on receipt
 * and writes the results on the stored message; the local gateway calls this on the bytes it
 * received and prepends the `Authentication-Results` (RFC 8601) and `Received-SPF` fields it
 * returns, in the same place SES puts them, so the scan stage reads both alike.
 *
 * DNS is a parameter: tests pass a fake resolver and never touch the network. Every query has
 * a time limit and the whole verification a budget; an answer that does not come in time is
 * a DNS timeout, which the checks report as `temperror` (RFC 7208 §2.6.6, RFC 6376 §6.1.2).
 */

/** `dns.promises.resolve` semantics: records for (name, type), or an error with a DNS code. */
export type DnsResolver = (name: string, rrtype: string) => Promise<string[] | string[][]>;

export interface MailAuthRequest {
  readonly raw: Uint8Array;
  /** The sender IP: the connecting client's, or the one an incoming relay recorded. */
  readonly ip: string;
  /** EHLO/HELO name as the client gave it. */
  readonly helo: string;
  /** MAIL FROM address; empty for the null reverse-path (SPF then checks HELO, RFC 7208 §2.4). */
  readonly envelopeFrom: string;
}

export interface MailAuthOptions {
  /** RFC 8601 §2.5 authserv-id we write: our gateway's host name. */
  readonly authservId: string;
  /** Default: the system resolver (only where real DNS is wanted; never in tests). */
  readonly resolver?: DnsResolver;
  /** Per DNS query. Default 3,000 ms. */
  readonly queryTimeoutMs?: number;
  /** For all queries of one message together. Default 10,000 ms. */
  readonly totalTimeoutMs?: number;
  /** Shortest RSA key accepted for DKIM/ARC (RFC 8301 §3.2). Default 1024. */
  readonly minBitLength?: number;
}

export interface MailAuthOutcome {
  readonly results: AuthResults;
  /** The same results in SES's verdict words (PASS, FAIL, GRAY, PROCESSING_FAILED). */
  readonly verdicts: AuthVerdicts;
  /** `Authentication-Results` value on one line (formatHeaderField folds it). */
  readonly authenticationResults: string;
  /** `Received-SPF` value (RFC 7208 §9.1) on one line, when SPF was evaluated. */
  readonly receivedSpf?: string;
  /** Set when verification itself failed (not when the message failed it). */
  readonly error?: string;
}

const DEFAULT_QUERY_TIMEOUT_MS = 3_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 10_000;
const MAX_FIELD_CHARS = 4_000;

export async function verifyMailAuth(
  request: MailAuthRequest,
  options: MailAuthOptions,
): Promise<MailAuthOutcome> {
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const resolver = bounded(
    options.resolver ?? systemResolver(queryTimeoutMs),
    queryTimeoutMs,
    totalTimeoutMs,
  );
  const authservId = headerSafe(options.authservId);
  try {
    const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
    const result = await authenticate(raw, {
      ip: request.ip,
      helo: request.helo,
      sender: request.envelopeFrom,
      mta: authservId,
      resolver,
      minBitLength: options.minBitLength ?? 1024,
      // BIMI picks a logo for display; it says nothing about spam and costs DNS queries.
      disableBimi: true,
    });
    const infos = [
      ...result.dkim.results.map((r) => r.info),
      ...(result.spf ? [result.spf.info] : []),
      ...(result.arc ? [result.arc.info] : []),
      ...(result.dmarc ? [result.dmarc.info] : []),
    ]
      .filter((info): info is string => typeof info === 'string' && info.length > 0)
      .map(headerSafe);
    const authenticationResults = headerSafe(
      infos.length > 0 ? `${authservId}; ${infos.join('; ')}` : `${authservId}; none`,
    ).slice(0, MAX_FIELD_CHARS);
    const receivedSpf = result.spf
      ? headerSafe(result.spf.header.replace(/^Received-SPF:\s*/i, ''))
      : undefined;
    // Read back through the same parser the scan stage uses on SES's field, so both modes
    // derive their reasons from identical text.
    const parsed = parseAuthenticationResults(authenticationResults);
    const results = parsed ? authResultsOf(parsed) : { authservId, dkim: [] };
    return {
      results,
      verdicts: authVerdicts(results),
      authenticationResults,
      ...(receivedSpf ? { receivedSpf: receivedSpf.slice(0, MAX_FIELD_CHARS) } : {}),
    };
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 200);
    return {
      results: { authservId, dkim: [] },
      verdicts: { spf: 'PROCESSING_FAILED', dkim: 'PROCESSING_FAILED', dmarc: 'PROCESSING_FAILED' },
      // RFC 8601 §2.2 no-result: nothing was established.
      authenticationResults: `${authservId}; none`,
      error: headerSafe(message),
    };
  }
}

/** One line of printable ASCII: unfolded, control and non-ASCII characters replaced. */
function headerSafe(text: string): string {
  return text
    .replace(/\r?\n[ \t]*/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

/** The system's DNS, as configured on the machine (/etc/resolv.conf). */
export function systemResolver(timeoutMs: number): DnsResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  return (name, rrtype) => resolver.resolve(name, rrtype) as Promise<string[] | string[][]>;
}

/**
 * Wraps a resolver with a per-query limit and a budget for the whole message. A late answer
 * becomes an `ETIMEOUT` error, which mailauth maps to temperror.
 */
export function bounded(resolver: DnsResolver, queryTimeoutMs: number, totalTimeoutMs: number): DnsResolver {
  const deadline = Date.now() + totalTimeoutMs;
  return (name, rrtype) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(dnsTimeout(name, 'budget spent'));
    const limit = Math.min(queryTimeoutMs, remaining);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(dnsTimeout(name, `no answer in ${limit} ms`)), limit);
    });
    return Promise.race([Promise.resolve().then(() => resolver(name, rrtype)), timeout]).finally(() =>
      clearTimeout(timer),
    );
  };
}

function dnsTimeout(name: string, why: string): Error {
  return Object.assign(new Error(`DNS query for ${name.slice(0, 255)}: ${why}`), { code: 'ETIMEOUT' });
}
