import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/parse-config.ts';
import type { ConfigError } from '../../../functions/core/errors.ts';
import {
  compileFilters,
  evaluateFilters,
  type FilterFacts,
} from '../../../functions/core/filters/evaluate-filters.ts';
import { readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';

const base = 'domains: [example.com, example.net]\ndelivery: { type: smtp, host: mail.example.com }\n';

function filtersFrom(yaml: string) {
  return compileFilters(parseConfig(`${base}filters:\n${yaml}`).filters);
}

const facts = (overrides: Partial<FilterFacts> = {}): FilterFacts => ({
  envelopeFrom: 'tickets@helpdesk.partner.example.org',
  recipients: ['support@example.com'],
  header: readHeaderBlock(Buffer.from('X-Mailer: PartnerDesk 4.1\r\nX-Partner-Id: 77\r\n\r\nbody')),
  senderIp: '192.0.2.44',
  ...overrides,
});

describe('message filters', () => {
  it('apply their actions only when every condition holds', () => {
    const filters = filtersFrom(`  - name: partner desk
    conditions:
      sender: '@helpdesk\\.partner\\.example\\.org$'
      recipient: '^support@'
      headerExists: X-Partner-Id
      header: { name: X-Mailer, matches: '^partnerdesk ' }
      senderIp: [192.0.2.0/24]
      receivingDomain: [example.com]
    actions: [skip-spamcheck, skip-bulkcheck]
`);
    const outcome = evaluateFilters(filters, facts());
    expect(outcome.matched).toEqual(['partner desk']);
    expect([...outcome.skip].sort()).toEqual(['skip-bulkcheck', 'skip-spamcheck']);
    for (const miss of [
      { envelopeFrom: 'tickets@evil.example.org' },
      { recipients: ['sales@example.com'] },
      { header: readHeaderBlock(Buffer.from('X-Mailer: PartnerDesk 4.1\r\n\r\n')) },
      { senderIp: '198.51.100.1' },
      { senderIp: undefined },
      { recipients: ['support@example.net'] },
    ]) {
      expect(evaluateFilters(filters, facts(miss)).matched).toEqual([]);
    }
  });

  it('collect the actions of every matching filter', () => {
    const filters =
      filtersFrom(`  - { name: a, conditions: { headerExists: X-Partner-Id }, actions: [skip-marketingcheck] }
  - { name: b, conditions: { senderIp: ['192.0.2.40-192.0.2.50'] }, actions: [skip-socialcheck] }
  - { name: c, conditions: { senderIp: ['2001:db8::/32'] }, actions: [skip-spamcheck] }
`);
    const outcome = evaluateFilters(filters, facts());
    expect(outcome.matched).toEqual(['a', 'b']);
    expect([...outcome.skip].sort()).toEqual(['skip-marketingcheck', 'skip-socialcheck']);
  });

  it('bound what an admin pattern can cost on hostile input', () => {
    const [filter] = filtersFrom(
      `  - { name: slow, conditions: { sender: '^(a+)+$' }, actions: [skip-spamcheck] }\n`,
    );
    const started = performance.now();
    // 1000 characters reach the pattern at most; the rest is cut. (A guard, not a benchmark.)
    expect(filter?.test(facts({ envelopeFrom: `${'a'.repeat(24)}!${'a'.repeat(100_000)}` }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('are validated with messages that name the filter field', () => {
    const issues = (yaml: string): readonly string[] => {
      try {
        parseConfig(`${base}filters:\n${yaml}`);
      } catch (error) {
        return (error as ConfigError).issues;
      }
      return [];
    };
    expect(issues(`  - { name: x, conditions: { sender: '(' }, actions: [skip-spamcheck] }\n`)[0]).toMatch(
      /^filters\.0\.conditions\.sender: is not a valid regular expression/,
    );
    expect(issues(`  - { name: x, conditions: {}, actions: [skip-spamcheck] }\n`)).toEqual([
      'filters.0.conditions: name at least one condition',
    ]);
    expect(
      issues(`  - { name: x, conditions: { senderIp: [300.1.1.1] }, actions: [skip-spamcheck] }\n`)[0],
    ).toMatch(/^filters\.0\.conditions\.senderIp\.0: must be an IP address/);
    expect(
      issues(`  - { name: x, conditions: { headerExists: X-A }, actions: [skip-everything] }\n`)[0],
    ).toMatch(/^filters\.0\.actions\.0: must be one of "skip-spamcheck"/);
  });
});
