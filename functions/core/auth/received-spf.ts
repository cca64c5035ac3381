import { identityDomain, splitStatements, words } from './cfws.ts';
import type { SpfCheck, SpfResult } from './types.ts';

/**
 * A reader of Received-SPF field values (RFC 7208 §9.1):
 *
 *   Received-SPF: pass (mybox.example.org: domain of myname@example.com designates
 *     192.0.2.1 as permitted sender) receiver=mybox.example.org; client-ip=192.0.2.1;
 *     envelope-from="myname@example.com"; helo=foo.example.com;
 *
 * The result keyword comes first; the key=value list after the comment names the checked
 * identity. Linear in the value, which is cut at a bound no real field reaches.
 */

const MAX_RECEIVED_SPF_CHARS = 4096;
const RESULTS: readonly SpfResult[] = [
  'pass',
  'fail',
  'softfail',
  'neutral',
  'none',
  'temperror',
  'permerror',
];

export interface ReceivedSpf extends SpfCheck {
  readonly clientIp?: string;
}

export function parseReceivedSpf(value: string): ReceivedSpf | undefined {
  const statements = splitStatements(value.slice(0, MAX_RECEIVED_SPF_CHARS));
  const first = words(statements[0] ?? '');
  const keyword = first[0]?.toLowerCase();
  const result = RESULTS.find((r) => r === keyword);
  if (!result) return undefined;
  const pairs = new Map<string, string>();
  for (const word of [...first.slice(1), ...statements.slice(1).flatMap(words)]) {
    const eq = word.indexOf('=');
    if (eq > 0 && pairs.size < 16) pairs.set(word.slice(0, eq).toLowerCase(), word.slice(eq + 1));
  }
  // RFC 7208 §2.4: with an empty MAIL FROM the checked identity is postmaster@<HELO>.
  const identity = pairs.get('identity')?.toLowerCase();
  const sender = pairs.get('envelope-from') ?? '';
  const domainSource = identity === 'helo' || sender === '' || sender === '<>' ? pairs.get('helo') : sender;
  const domain = identityDomain(domainSource);
  const clientIp = pairs.get('client-ip');
  return {
    result,
    ...(domain ? { domain } : {}),
    ...(clientIp && clientIp.length <= 45 ? { clientIp } : {}),
  };
}
