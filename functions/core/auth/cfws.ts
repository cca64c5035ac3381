/**
 * Structured header values with comments and quoted strings (CFWS, RFC 5322 §3.2.2), as
 * Authentication-Results (RFC 8601 §2.2) and Received-SPF (RFC 7208 §9.1) use them. One
 * forward pass, no backtracking: linear in the (caller-bounded) length of the value.
 */

/** Comments nest; deeper than this is not mail, it is an attack. Deeper levels count as this. */
const MAX_COMMENT_DEPTH = 16;

/**
 * Splits at `;` outside quoted strings and comments, dropping the comments (a comment is
 * replaced by a space, as CFWS). Quoted strings lose their quotes and backslash escapes;
 * the whitespace and `=` inside them are protected so the later word split keeps them.
 */
export function splitStatements(value: string): string[] {
  const statements: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) {
        current += protect(value[++i] as string);
      } else if (c === '"') {
        quoted = false;
      } else {
        current += protect(c);
      }
      continue;
    }
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth = Math.min(depth + 1, MAX_COMMENT_DEPTH);
      else if (c === ')') {
        depth--;
        if (depth === 0) current += ' ';
      }
      continue;
    }
    if (c === '(') depth = 1;
    else if (c === '"') quoted = true;
    else if (c === ';') {
      statements.push(current);
      current = '';
    } else current += c;
  }
  statements.push(current);
  return statements;
}

// Inside quotes, whitespace and `=` are data. They are swapped for private-use characters
// while splitting and swapped back per word, so one pass handles `x="a b=c"` correctly.
const PROTECTED: ReadonlyMap<string, string> = new Map([
  [' ', '\ue000'],
  ['\t', '\ue001'],
  ['=', '\ue002'],
]);
const UNPROTECTED: ReadonlyMap<string, string> = new Map([...PROTECTED].map(([a, b]) => [b, a]));

function protect(c: string): string {
  return PROTECTED.get(c) ?? c;
}

/** Whitespace-separated words, with `a = b` joined into `a=b` (CFWS is allowed around `=`). */
export function words(statement: string): string[] {
  const raw = statement.split(/[ \t\r\n]+/).filter((w) => w.length > 0);
  const joined: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let word = raw[i] as string;
    if (word === '=' && joined.length > 0 && i + 1 < raw.length) {
      joined[joined.length - 1] += `=${raw[++i] as string}`;
      continue;
    }
    if (
      word.endsWith('=') &&
      word.length > 1 &&
      i + 1 < raw.length &&
      !(raw[i + 1] as string).includes('=')
    ) {
      word += raw[++i] as string;
    } else if (word.startsWith('=') && joined.length > 0) {
      joined[joined.length - 1] += word;
      continue;
    }
    joined.push(word);
  }
  return joined.map(unprotect);
}

function unprotect(word: string): string {
  let out = '';
  for (const c of word) out += UNPROTECTED.get(c) ?? c;
  return out;
}

/**
 * The domain of an identity as these fields write it: `user@example.org`, `<user@example.org>`,
 * `@example.org` or a bare `example.org`; lowercased, undefined when it is not a domain.
 */
export function identityDomain(value: string | undefined): string | undefined {
  if (!value || value.length > 512) return undefined;
  const bare = value.startsWith('<') && value.endsWith('>') ? value.slice(1, -1) : value;
  const domain = bare.slice(bare.lastIndexOf('@') + 1).toLowerCase();
  return /^[a-z0-9.-]{1,253}$/.test(domain) && domain.includes('.') ? domain : undefined;
}
