import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../../functions/core/mime/parse-message.ts';
import { RULES } from '../../../../functions/core/scan/rules/index.ts';

/**
 * Hostile input for every rule: long runs of one character (the classic trigger of
 * catastrophic backtracking) in every place a rule reads: Subject, From, Reply-To,
 * Message-ID, Date, Received, X-Mailer, the text, the HTML and the URLs. Bodies get 100 KB;
 * header fields 30 KB each (the MIME parser refuses header blocks over 1 MB), and every
 * pattern is also run on 100 KB directly.
 */
const SIZE = 100_000;
const RUNS = ['a', ' ', '!', '$', '<', '@', '.', '0', '(', '-', 'A1', 'a ', '\t '];
const BUDGET_MS = 250;

function hostile(run: string): Buffer {
  const long = run.repeat(Math.ceil(SIZE / run.length)).slice(0, SIZE);
  const oneLine = long.slice(0, 30_000);
  const headers = [
    `Received: from ${oneLine} (${oneLine} [1.2.3.4]) by x; ${oneLine}`,
    `From: "${oneLine}" <${oneLine}@${oneLine}>`,
    `Reply-To: ${oneLine}@${oneLine}`,
    `To: ${oneLine}`,
    `Subject: ${oneLine}`,
    `Date: ${oneLine}`,
    `Message-ID: <${oneLine}>`,
    `X-Mailer: ${oneLine}`,
    `X-Priority: ${oneLine}`,
    `List-Unsubscribe: ${oneLine}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b"',
  ].join('\r\n');
  const body = [
    '--b',
    'Content-Type: text/plain',
    '',
    `${long} http://${long} www.${long}`,
    '--b',
    'Content-Type: text/html',
    '',
    `<html><body><a href="http://${oneLine}">${long}</a><font color="${oneLine}">${long}</font><img src="${oneLine}"></body></html>`,
    '--b--',
    '',
  ].join('\r\n');
  return Buffer.from(`${headers}\r\n\r\n${body}`, 'latin1');
}

/** A regex quantifier applied to a group whose body itself has a quantifier: (a+)+, (a|b*)*, (x{2,})+ ... */
function hasNestedQuantifier(source: string): boolean {
  const stack: boolean[] = [];
  let escaped = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === '\\') {
      escaped = true;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const innerQuantified = stack.pop() ?? false;
      const next = source[i + 1];
      const quantified =
        next === '*' || next === '+' || next === '{' || (next === '?' && source[i + 2] !== ':');
      if (innerQuantified && quantified && next !== '?') return true;
      if (innerQuantified && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{') && stack.length > 0) stack[stack.length - 1] = true;
  }
  return false;
}

describe('regular expressions in rules', () => {
  const patterns = RULES.flatMap((rule) =>
    (rule.patterns ?? []).map((pattern) => ({ rule: rule.id, pattern })),
  );

  it('list their patterns, and none has a quantified group containing a quantifier', () => {
    expect(patterns.length).toBeGreaterThan(5);
    for (const { rule, pattern } of patterns) {
      expect(hasNestedQuantifier(pattern.source), `${rule}: ${pattern.source}`).toBe(false);
    }
    expect(hasNestedQuantifier('(a+)+')).toBe(true);
    expect(hasNestedQuantifier('(?:\\s+(?:x|y{2}))*')).toBe(true);
    expect(hasNestedQuantifier('(?:ab)+c*')).toBe(false);
  });

  it('run linearly on 100 KB of one repeated character, for every pattern', () => {
    for (const { rule, pattern } of patterns) {
      for (const run of RUNS) {
        const input = run.repeat(SIZE / run.length);
        const started = performance.now();
        pattern.test(input);
        pattern.test(`${input}\u0000`);
        const elapsed = performance.now() - started;
        expect(elapsed, `${rule} ${pattern.source} on ${JSON.stringify(run)}`).toBeLessThan(BUDGET_MS);
      }
    }
  });
});

describe('every rule on hostile messages', () => {
  for (const run of RUNS) {
    it(`finishes fast and does not throw on 100 KB runs of ${JSON.stringify(run)}`, async () => {
      const raw = hostile(run);
      const message = await parseMessage(raw);
      for (const rule of RULES) {
        const started = performance.now();
        expect(() => rule.check({ message, ses: {}, raw, now: new Date(0) })).not.toThrow();
        expect(performance.now() - started, rule.id).toBeLessThan(BUDGET_MS);
      }
    });
  }
});
