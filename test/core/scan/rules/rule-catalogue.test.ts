import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSITES } from '../../../../functions/core/scan/rules/composites.ts';
import { KNOWN_RULE_IDS, RULES } from '../../../../functions/core/scan/rules/index.ts';

const RULES_DIR = join(import.meta.dirname, '../../../../functions/core/scan/rules');
const GROUP_DIRS = ['header', 'body', 'uri', 'structure'] as const;
const kebab = (id: string) => id.toLowerCase().replaceAll('_', '-');

describe('the rule catalogue', () => {
  it('gives every rule and composite a unique UPPER_SNAKE id, a description and a finite score', () => {
    const ids = [...RULES.map((r) => r.id), ...COMPOSITES.map((c) => c.id)];
    expect(new Set(ids).size).toBe(ids.length);
    for (const item of [...RULES, ...COMPOSITES]) {
      expect(item.id).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(item.description.length).toBeGreaterThan(10);
      expect(Number.isFinite(item.score)).toBe(true);
    }
    expect(KNOWN_RULE_IDS.size).toBe(ids.length);
  });

  it('keeps one rule per file, under its group, named after its id', () => {
    for (const group of GROUP_DIRS) {
      const files = readdirSync(join(RULES_DIR, group)).filter((f) => f.endsWith('.ts'));
      const rules = RULES.filter((r) => r.group === group);
      expect(files.sort()).toEqual(rules.map((r) => `${kebab(r.id)}.ts`).sort());
    }
  });

  it('has a firing and a silent test for every rule', () => {
    const tests = readdirSync(import.meta.dirname)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(import.meta.dirname, f), 'utf8'))
      .join('\n');
    for (const rule of RULES.filter((r) => (GROUP_DIRS as readonly string[]).includes(r.group))) {
      expect(tests, `no test case for ${rule.id}`).toContain(`rule: ${rule.id},`);
    }
  });

  it('lets composites name only rules, never other composites', () => {
    const ruleIds = new Set(RULES.map((r) => r.id));
    for (const composite of COMPOSITES) {
      for (const id of [...composite.allOf, ...(composite.anyOf ?? []), ...(composite.noneOf ?? [])]) {
        expect(ruleIds.has(id), `${composite.id} names ${id}`).toBe(true);
      }
    }
  });
});
