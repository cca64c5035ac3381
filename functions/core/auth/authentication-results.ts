import { identityDomain, splitStatements, words } from './cfws.ts';
import type {
  ArcResult,
  AuthResults,
  DkimCheck,
  DkimResult,
  DmarcPolicy,
  DmarcResult,
  SpfCheck,
  SpfResult,
} from './types.ts';

/**
 * A reader of Authentication-Results field values (RFC 8601 §2.2):
 *
 *   authserv-id [version] ( ";" "none" / 1*( ";" method[/version] "=" result
 *                                            [reason=value] *( ptype "." property "=" value ) ) )
 *
 * with comments (nested parentheses) and quoted strings allowed almost anywhere (CFWS).
 * Implemented as one forward pass that drops comments and splits on `;` outside quotes, so a
 * hostile value costs time linear in its (bounded) length; no regular expression sees the
 * whole value.
 */

export interface ResInfo {
  /** Lowercased method (`spf`, `dkim`, `dmarc`, `arc`, …), version dropped. */
  readonly method: string;
  /** Lowercased result keyword. */
  readonly result: string;
  readonly reason?: string;
  /** `ptype.property` (lowercased) → value (quotes removed), e.g. `header.from` → `example.org`. */
  readonly properties: ReadonlyMap<string, string>;
}

export interface ParsedAuthenticationResults {
  /** Lowercased authserv-id. */
  readonly authservId: string;
  readonly results: readonly ResInfo[];
}

/** Far above any real field (SES writes a few hundred bytes); longer values are cut. */
export const MAX_AUTH_RESULTS_CHARS = 16 * 1024;
const MAX_RESINFOS = 64;
const MAX_PROPERTIES = 16;

/** Parses one field value; undefined when there is not even an authserv-id. */
export function parseAuthenticationResults(value: string): ParsedAuthenticationResults | undefined {
  const statements = splitStatements(value.slice(0, MAX_AUTH_RESULTS_CHARS));
  const head = words(statements[0] ?? '');
  const authservId = head[0]?.toLowerCase();
  if (!authservId || authservId.includes('=')) return undefined;
  const results: ResInfo[] = [];
  for (const statement of statements.slice(1, MAX_RESINFOS + 1)) {
    const info = readResInfo(words(statement));
    if (info) results.push(info);
  }
  return { authservId, results };
}

function readResInfo(words: readonly string[]): ResInfo | undefined {
  const [first, ...rest] = words;
  const eq = first?.indexOf('=') ?? -1;
  if (!first || eq <= 0) return undefined; // `none`, or junk
  const method = first.slice(0, eq).split('/')[0]?.toLowerCase() ?? '';
  const result = first.slice(eq + 1).toLowerCase();
  if (!/^[a-z0-9-]{1,32}$/.test(method) || !/^[a-z0-9-]{1,32}$/.test(result)) return undefined;
  let reason: string | undefined;
  const properties = new Map<string, string>();
  for (const word of rest) {
    const at = word.indexOf('=');
    if (at <= 0) continue;
    const key = word.slice(0, at).toLowerCase();
    const val = word.slice(at + 1);
    if (key === 'reason') reason = val;
    else if (key.includes('.') && properties.size < MAX_PROPERTIES && !properties.has(key)) {
      properties.set(key, val);
    }
  }
  return { method, result, ...(reason === undefined ? {} : { reason }), properties };
}

const SPF_RESULTS: readonly SpfResult[] = [
  'pass',
  'fail',
  'softfail',
  'neutral',
  'none',
  'temperror',
  'permerror',
];
const DKIM_RESULTS: readonly DkimResult[] = [
  'pass',
  'fail',
  'neutral',
  'policy',
  'none',
  'temperror',
  'permerror',
];
const DMARC_RESULTS: readonly DmarcResult[] = ['pass', 'fail', 'none', 'temperror', 'permerror'];
const ARC_RESULTS: readonly ArcResult[] = ['pass', 'fail', 'none'];
const DMARC_POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

/**
 * The checks in a parsed field, in our shape. Unknown methods and result keywords are
 * ignored (RFC 8601 §2.7: a reader must skip what it does not understand). Old spellings
 * are read as their RFC 8601 names: `hardfail` → `fail`, `temperr`/`permerr` → `*error`.
 */
export function authResultsOf(parsed: ParsedAuthenticationResults): AuthResults {
  let spf: SpfCheck | undefined;
  const dkim: DkimCheck[] = [];
  let dmarc: AuthResults['dmarc'];
  let arc: AuthResults['arc'];
  for (const info of parsed.results) {
    const result = legacyResult(info.result);
    if (info.method === 'spf' && !spf) {
      const known = SPF_RESULTS.find((r) => r === result);
      const domain = identityDomain(info.properties.get('smtp.mailfrom') ?? info.properties.get('smtp.helo'));
      if (known) spf = { result: known, ...(domain ? { domain } : {}) };
    } else if (info.method === 'dkim') {
      const known = DKIM_RESULTS.find((r) => r === result);
      const domain = identityDomain(info.properties.get('header.d') ?? info.properties.get('header.i'));
      const selector = info.properties.get('header.s');
      const signature = info.properties.get('header.b');
      // `dkim=none` means "not signed" (RFC 8601 §2.7.1): no signature, so no entry.
      if (known && known !== 'none')
        dkim.push({
          result: known,
          ...(domain ? { domain } : {}),
          ...(selector ? { selector } : {}),
          ...(signature ? { signature } : {}),
        });
    } else if (info.method === 'dmarc' && !dmarc) {
      const known = DMARC_RESULTS.find((r) => r === result);
      const domain = identityDomain(info.properties.get('header.from'));
      // `policy.dmarc` is what mailauth and most verifiers write; `p=` sits in a comment
      // (already dropped) in some others, so the policy is optional.
      const policyText = info.properties.get('policy.dmarc')?.toLowerCase();
      const policy = DMARC_POLICIES.find((p) => p === policyText);
      if (known) dmarc = { result: known, ...(policy ? { policy } : {}), ...(domain ? { domain } : {}) };
    } else if (info.method === 'arc' && !arc) {
      const known = ARC_RESULTS.find((r) => r === result);
      if (known) arc = { result: known };
    }
  }
  return {
    authservId: parsed.authservId,
    ...(spf ? { spf } : {}),
    dkim,
    ...(dmarc ? { dmarc } : {}),
    ...(arc ? { arc } : {}),
  };
}

function legacyResult(result: string): string {
  if (result === 'hardfail') return 'fail';
  if (result === 'temperr') return 'temperror';
  if (result === 'permerr') return 'permerror';
  return result;
}
