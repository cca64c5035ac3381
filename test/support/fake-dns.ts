import type { DnsResolver } from '../../functions/adapters/mail-auth.ts';

/**
 * A DNS zone held in memory, keyed "name RRTYPE"; names it does not hold answer ENOTFOUND,
 * as NXDOMAIN does. Tests never query real DNS (the CI machine has none, and answers change).
 */
export function fakeDns(records: Record<string, string> = {}): DnsResolver & { queries: string[] } {
  const queries: string[] = [];
  const resolver = async (name: string, rrtype: string) => {
    queries.push(`${name} ${rrtype}`);
    const record = records[`${name.toLowerCase()} ${rrtype}`];
    if (record === undefined)
      throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return rrtype === 'TXT' ? [[record]] : [record];
  };
  return Object.assign(resolver, { queries });
}
