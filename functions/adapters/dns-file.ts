import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.ts';
import { type DnsResolver, systemResolver } from './mail-auth.ts';

/**
 * DNS records for the local gateway's SPF, DKIM and DMARC checks, from a YAML file, so a
 * message can pass them on a machine whose senders have no real records: a safelist entry,
 * the digest's "always allow" and the submission mailboxes act on authenticated senders only.
 *
 *     partner.example.org:
 *       TXT: "v=spf1 mx -all"
 *       MX: "10 mail.partner.example.org"
 *     _dmarc.partner.example.org:
 *       TXT: "v=DMARC1; p=reject"
 *     sel1._domainkey.partner.example.org:
 *       TXT: "v=DKIM1; k=rsa; p=MIIBIjANBg..."
 *     mail.partner.example.org:
 *       A: 127.0.0.1
 *
 * Names the file holds answer from it only (a type it does not list is "no such record");
 * other names go to the system's DNS. Local only: the functions in AWS read SES's verdicts.
 */

const TYPES = ['TXT', 'A', 'AAAA', 'MX'] as const;
type RecordType = (typeof TYPES)[number];
type Zone = ReadonlyMap<string, Partial<Record<RecordType, readonly string[]>>>;

/** Longest TXT string one DNS character-string holds (RFC 1035 §3.3); longer values are split. */
const TXT_CHUNK = 255;

export function loadDnsFile(path: string, fallback: DnsResolver = systemResolver(3_000)): DnsResolver {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the DNS file ${path}: ${(error as Error).message}`);
  }
  return dnsResolverOf(parseDnsFile(text, path), fallback);
}

export function parseDnsFile(text: string, path: string): Zone {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document))
    throw new ConfigError(
      `${path}: expected a map of names to records, e.g. "example.org: { TXT: v=spf1 -all }"`,
    );
  const zone = new Map<string, Partial<Record<RecordType, readonly string[]>>>();
  for (const [rawName, records] of Object.entries(document)) {
    const name = normalise(rawName);
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name))
      throw new ConfigError(`${path}: "${rawName}" is not a domain name`);
    // Names are case-insensitive and the root's dot is optional: two spellings of one name
    // would silently drop the first one's records.
    if (zone.has(name)) throw new ConfigError(`${path}: ${rawName}: the name ${name} is listed twice`);
    if (records === null || typeof records !== 'object' || Array.isArray(records))
      throw new ConfigError(
        `${path}: ${rawName}: expected record types (${TYPES.join(', ')}) with their values`,
      );
    const entry: Partial<Record<RecordType, readonly string[]>> = {};
    for (const [type, value] of Object.entries(records as Record<string, unknown>)) {
      const rrtype = type.toUpperCase() as RecordType;
      if (!TYPES.includes(rrtype))
        throw new ConfigError(`${path}: ${rawName}: record type ${type} is not one of ${TYPES.join(', ')}`);
      if (entry[rrtype] !== undefined)
        throw new ConfigError(
          `${path}: ${rawName}: ${rrtype} is listed twice (put several values in one list)`,
        );
      const values = (Array.isArray(value) ? value : [value]).map((v) => {
        if (typeof v !== 'string' && typeof v !== 'number')
          throw new ConfigError(
            `${path}: ${rawName} ${rrtype}: each value must be text, got ${JSON.stringify(v)}`,
          );
        return String(v);
      });
      for (const v of values) checkValue(path, rawName, rrtype, v);
      entry[rrtype] = values;
    }
    zone.set(name, entry);
  }
  return zone;
}

function checkValue(path: string, name: string, type: RecordType, value: string): void {
  const bad = (why: string): never => {
    throw new ConfigError(`${path}: ${name} ${type} "${value}": ${why}`);
  };
  if (type === 'A' && isIP(value) !== 4) bad('not an IPv4 address');
  if (type === 'AAAA' && isIP(value) !== 6) bad('not an IPv6 address');
  if (type === 'MX') {
    const match = /^(\d{1,5})\s+\S+$/.exec(value.trim());
    if (!match) bad('expected "<preference> <host>"');
    // RFC 1035 §3.3.9: the preference is a 16-bit number.
    else if (Number(match[1]) > 65_535) bad('the preference is at most 65535');
  }
}

export function dnsResolverOf(zone: Zone, fallback: DnsResolver): DnsResolver {
  return async (name, rrtype) => {
    const entry = zone.get(normalise(name));
    if (entry === undefined) return fallback(name, rrtype);
    const values = entry[rrtype.toUpperCase() as RecordType];
    if (values === undefined) {
      // The name exists, the type does not: NODATA, as a DNS server would answer.
      throw Object.assign(new Error(`query${rrtype} ENODATA ${name}`), { code: 'ENODATA' });
    }
    if (rrtype === 'TXT') return values.map(chunks);
    if (rrtype === 'MX') {
      // Node's resolveMx shape, which the SPF library reads for "mx" mechanisms.
      return values.map((v) => {
        const [priority, exchange] = v.trim().split(/\s+/);
        return { priority: Number(priority), exchange: normalise(exchange as string) };
      }) as unknown as string[];
    }
    return [...values];
  };
}

function chunks(value: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += TXT_CHUNK) parts.push(value.slice(i, i + TXT_CHUNK));
  return parts.length > 0 ? parts : [''];
}

/** Lowercase, without the root's trailing dot. */
function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
