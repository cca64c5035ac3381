import { domainToASCII, domainToUnicode } from 'node:url';
import { REFUSAL, type Refusal, refuse } from './refusal.ts';

/**
 * Checks on the domain name of an unsubscribe target, before any DNS lookup: it must look
 * like a public domain, and must not be a homograph of one (IDN spoofing, UTS #39).
 */

export interface HostNameOptions {
  /** Accept `localhost` (local mode and tests only). */
  readonly allowLoopback?: boolean;
  /** Domains refused together with all their subdomains. */
  readonly blockedHosts?: Iterable<string>;
}

/**
 * Top-level names that never reach a public website: RFC 6761 (localhost, test, invalid,
 * example), RFC 6762 (local), RFC 7686 (onion), .internal (reserved by ICANN for private use,
 * 2024), .arpa (infrastructure, including home.arpa, RFC 8375), and names commonly used on
 * private networks.
 */
const LOCAL_TOP_LEVEL = new Set([
  'localhost',
  'local',
  'internal',
  'localdomain',
  'test',
  'invalid',
  'example',
  'onion',
  'arpa',
  'lan',
  'home',
  'corp',
  'intranet',
  'private',
]);

const MAX_HOST_LENGTH = 253; // RFC 1035 §2.3.4 (255 octets on the wire)
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Checks an ASCII (A-label) host name, lowercase, without a trailing dot (callers normalise).
 * IP literals are not handled here.
 */
export function checkHostName(host: string, options: HostNameOptions = {}): Refusal | undefined {
  if (host === 'localhost' && options.allowLoopback === true) return undefined;
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return refuse(REFUSAL.INVALID_HOST_NAME, host);
  const labels = host.split('.');
  const top = labels.at(-1) as string;
  if (LOCAL_TOP_LEVEL.has(top)) return refuse(REFUSAL.LOCAL_HOST_NAME, host);
  if (labels.length < 2) return refuse(REFUSAL.SINGLE_LABEL_HOST, host);
  if (!labels.every((label) => LDH_LABEL.test(label))) return refuse(REFUSAL.INVALID_HOST_NAME, host);
  // A top-level domain is never all digits (RFC 3696 §2); such names are mistyped addresses.
  if (/^[0-9]+$/.test(top)) return refuse(REFUSAL.INVALID_HOST_NAME, host);
  const lookalike = checkInternationalLabels(labels, host);
  if (lookalike) return lookalike;
  if (options.blockedHosts && isBlocked(labels, options.blockedHosts)) {
    return refuse(REFUSAL.BLOCKLISTED_HOST, host);
  }
  return undefined;
}

/** Lowercase A-label form of a host as a user or a mail address writes it; '' if invalid. */
export function normaliseHostName(host: string): string {
  const trimmed = host.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 1000) return '';
  return domainToASCII(trimmed.toLowerCase());
}

function isBlocked(labels: readonly string[], blocked: Iterable<string>): boolean {
  const entries = new Set<string>();
  for (const entry of blocked) {
    const normalised = normaliseHostName(entry.replace(/^\*?\./, ''));
    if (normalised) entries.add(normalised);
  }
  for (let i = 0; i < labels.length; i++) {
    if (entries.has(labels.slice(i).join('.'))) return true;
  }
  return false;
}

/**
 * Decodes every A-label (`xn--...`, RFC 5891) and refuses the two classic homograph forms of
 * UTS #39 §5: a label mixing scripts (Latin "pаypal" with a Cyrillic а), and a label wholly in
 * Cyrillic or Greek written only with letters that look Latin ("аррӏе" for "apple").
 */
function checkInternationalLabels(labels: readonly string[], host: string): Refusal | undefined {
  for (const label of labels) {
    if (!label.startsWith('xn--')) continue;
    const unicode = domainToUnicode(label);
    // node:url returns '' for a label UTS #46 rejects, and the label unchanged when the
    // Punycode itself does not decode.
    if (unicode === '' || unicode.startsWith('xn--') || domainToASCII(unicode) !== label) {
      return refuse(REFUSAL.INVALID_HOST_NAME, host);
    }
    const scripts = new Set<string>();
    let allConfusable = true;
    for (const char of unicode) {
      if (/^[0-9-]$/.test(char) || /^\p{M}$/u.test(char)) continue;
      if (!/^[\p{L}\p{N}]$/u.test(char)) return refuse(REFUSAL.INVALID_HOST_NAME, `${host} (${unicode})`);
      const script = scriptOf(char);
      if (script === undefined) continue; // Common/Inherited letters (e.g. the Japanese long-vowel mark)
      scripts.add(script);
      if (!LATIN_LOOKALIKES.has(char)) allConfusable = false;
    }
    if (!isAllowedScriptMix(scripts)) return refuse(REFUSAL.MIXED_SCRIPT_HOST, `${host} (${unicode})`);
    if (allConfusable && (scripts.has('Cyrillic') || scripts.has('Greek')) && scripts.size === 1) {
      return refuse(REFUSAL.CONFUSABLE_HOST, `${host} (${unicode})`);
    }
  }
  return undefined;
}

const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Latin', /^\p{Script=Latin}$/u],
  ['Cyrillic', /^\p{Script=Cyrillic}$/u],
  ['Greek', /^\p{Script=Greek}$/u],
  ['Han', /^\p{Script=Han}$/u],
  ['Hiragana', /^\p{Script=Hiragana}$/u],
  ['Katakana', /^\p{Script=Katakana}$/u],
  ['Hangul', /^\p{Script=Hangul}$/u],
  ['Bopomofo', /^\p{Script=Bopomofo}$/u],
  ['Arabic', /^\p{Script=Arabic}$/u],
  ['Hebrew', /^\p{Script=Hebrew}$/u],
  ['Armenian', /^\p{Script=Armenian}$/u],
  ['Georgian', /^\p{Script=Georgian}$/u],
  ['Thai', /^\p{Script=Thai}$/u],
  ['Devanagari', /^\p{Script=Devanagari}$/u],
];

function scriptOf(char: string): string | undefined {
  for (const [name, pattern] of SCRIPTS) if (pattern.test(char)) return name;
  if (/^[\p{Script=Common}\p{Script=Inherited}]$/u.test(char)) return undefined;
  return `other:${char.codePointAt(0)?.toString(16)}`;
}

/**
 * UTS #39 §5.2 "Highly Restrictive": one script, or Latin with the scripts that CJK writing
 * combines it with (Japanese, Chinese with Bopomofo, Korean).
 */
function isAllowedScriptMix(scripts: ReadonlySet<string>): boolean {
  if (scripts.size <= 1) return true;
  const allowedSets = [
    ['Latin', 'Han', 'Hiragana', 'Katakana'],
    ['Latin', 'Han', 'Bopomofo'],
    ['Latin', 'Han', 'Hangul'],
  ];
  return allowedSets.some((allowed) => [...scripts].every((script) => allowed.includes(script)));
}

/**
 * Lowercase Cyrillic and Greek letters that render like Latin letters in common fonts
 * (after UTS #39 confusables.txt). IDN labels are lowercase after UTS #46 mapping.
 */
const LATIN_LOOKALIKES = new Set([
  // Cyrillic: а е ё г і ї ј к ӏ о р с у х ѕ һ ԁ ԛ ԝ ү ь
  ...'аеёгіїјкӏорсухѕһԁԛԝүь',
  // Greek: α γ ι κ ν ο ρ υ χ η ϲ ϳ
  ...'αγικνορυχηϲϳ',
]);
