import { describe, expect, it } from 'vitest';
import { createDnsListLookup, type ResolveA } from '../../functions/adapters/dns-lists.ts';
import type { DnsListQuery } from '../../functions/core/reputation/dns-lists.ts';

const query = (name: string): DnsListQuery => ({
  name,
  zone: 'dnsbl.test.example',
  kind: 'ip',
  subject: name,
});

/** A fake list: listed names answer 127.0.0.2, `slow.` names never answer, others NXDOMAIN. */
const fake: ResolveA = async (name) => {
  if (name.startsWith('listed.')) return ['127.0.0.2'];
  if (name.startsWith('slow.')) return new Promise(() => {});
  if (name.startsWith('broken.')) throw Object.assign(new Error('SERVFAIL'), { code: 'ESERVFAIL' });
  throw Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND' });
};

describe('createDnsListLookup', () => {
  it('answers every query: listed, not listed, error', async () => {
    const lookup = createDnsListLookup({ resolveA: fake, queryTimeoutMs: 200, budgetMs: 1_000 });
    const answers = await lookup.lookup([query('listed.a'), query('clean.b'), query('broken.c')]);
    expect(answers.map((a) => [a.query.name, a.status, a.addresses])).toEqual([
      ['listed.a', 'listed', ['127.0.0.2']],
      ['clean.b', 'not-listed', undefined],
      ['broken.c', 'error', undefined],
    ]);
  });

  it('times out a silent list per query, and skips what the budget does not cover', async () => {
    const lookup = createDnsListLookup({ resolveA: fake, queryTimeoutMs: 60, budgetMs: 100, concurrency: 1 });
    const started = Date.now();
    const answers = await lookup.lookup(['slow.1', 'slow.2', 'slow.3', 'slow.4', 'slow.5'].map(query));
    expect(Date.now() - started).toBeLessThan(1_000);
    const statuses = answers.map((a) => a.status);
    // Timers may fire a millisecond early or late: the middle of the queue can go either way.
    expect(statuses[0]).toBe('timeout');
    expect(statuses.at(-1)).toBe('skipped');
    expect(statuses.every((s) => s === 'timeout' || s === 'skipped')).toBe(true);
  });
});
