import { Resolver } from 'node:dns/promises';
import type {
  DnsListAnswer,
  DnsListPort,
  DnsListQuery,
  DnsListStatus,
} from '../core/reputation/dns-lists.ts';

/**
 * DnsListPort over DNS (RFC 5782): one A query per name, several at a time, each with its own
 * time limit and all of them within one budget, so a slow or dead list costs the scan at most
 * `budgetMs`. NXDOMAIN (and "no A record") is the normal "not listed" answer; any other
 * failure is reported as such, never thrown.
 */

/** Resolves A records of a name; rejects with a DNS error code (ENOTFOUND, ENODATA, …). */
export type ResolveA = (name: string) => Promise<readonly string[]>;

export interface DnsListLookupOptions {
  /** Default: the system resolver. Tests always pass a fake. */
  readonly resolveA?: ResolveA;
  readonly queryTimeoutMs: number;
  readonly budgetMs: number;
  /** Queries in flight at once. Default 8. */
  readonly concurrency?: number;
}

const NOT_LISTED_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);
const MAX_ADDRESSES = 8;

export function createDnsListLookup(options: DnsListLookupOptions): DnsListPort {
  const resolveA = options.resolveA ?? systemResolveA(options.queryTimeoutMs);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  return {
    async lookup(queries: readonly DnsListQuery[]): Promise<readonly DnsListAnswer[]> {
      const deadline = Date.now() + options.budgetMs;
      const answers: DnsListAnswer[] = new Array(queries.length);
      let next = 0;
      const worker = async () => {
        while (next < queries.length) {
          const index = next++;
          const query = queries[index] as DnsListQuery;
          answers[index] = await lookupOne(resolveA, query, options.queryTimeoutMs, deadline);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, worker));
      return answers;
    },
  };
}

async function lookupOne(
  resolveA: ResolveA,
  query: DnsListQuery,
  queryTimeoutMs: number,
  deadline: number,
): Promise<DnsListAnswer> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return { query, status: 'skipped' };
  const limit = Math.min(queryTimeoutMs, remaining);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limit);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => resolveA(query.name)), timeout]);
    if (result === 'timeout') return { query, status: 'timeout' };
    const addresses = result.slice(0, MAX_ADDRESSES).map(String);
    return addresses.length > 0 ? { query, status: 'listed', addresses } : { query, status: 'not-listed' };
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    const status: DnsListStatus =
      typeof code === 'string' && NOT_LISTED_CODES.has(code) ? 'not-listed' : 'error';
    return { query, status };
  } finally {
    clearTimeout(timer);
  }
}

function systemResolveA(timeoutMs: number): ResolveA {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  return (name) => resolver.resolve4(name);
}
