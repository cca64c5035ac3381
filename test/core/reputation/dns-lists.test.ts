import { describe, expect, it } from 'vitest';
import {
  type DnsListAnswer,
  type DnsListQuery,
  dnsListReasons,
  planDnsListQueries,
} from '../../../functions/core/reputation/dns-lists.ts';
import { reputationSchema } from '../../../functions/core/reputation/reputation-config.ts';
import { extractUrlHosts } from '../../../functions/core/reputation/url-hosts.ts';

const config = reputationSchema.parse({
  dnsLists: {
    enabled: true,
    ip: [{ zone: 'dnsbl.test.example', score: 40 }],
    domain: [{ zone: 'uribl.test.example', score: 30 }],
  },
}).dnsLists;

describe('planDnsListQueries', () => {
  it('asks IP lists with the reversed address (RFC 5782 §2.1) and domain lists with each link domain', () => {
    const names = planDnsListQueries(
      { senderIp: '192.0.2.99', urlHosts: extractUrlHosts(['http://click.evil.co.uk/ http://203.0.113.1/']) },
      config,
    ).map((q) => q.name);
    expect(names).toEqual([
      '99.2.0.192.dnsbl.test.example',
      'co.uk.uribl.test.example',
      'evil.co.uk.uribl.test.example',
    ]);
  });

  it('uses nibbles for IPv6 (§2.4), never asks about private addresses or allowlisted hosts', () => {
    const v6 = planDnsListQueries({ senderIp: '2001:db8::1' }, config)[0]?.name;
    expect(v6).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.dnsbl.test.example');
    expect(planDnsListQueries({ senderIp: '10.1.2.3' }, config)).toEqual([]);
    expect(planDnsListQueries({ senderIp: '::ffff:192.168.1.1' }, config)).toEqual([]);
    const allowed = planDnsListQueries(
      { urlHosts: extractUrlHosts(['https://www.corp.example/']) },
      config,
      new Set(['corp.example']),
    );
    expect(allowed).toEqual([]);
  });

  it('does nothing while off (the default), and stops at maxQueries', () => {
    const off = reputationSchema.parse({}).dnsLists;
    expect(planDnsListQueries({ senderIp: '192.0.2.1' }, off)).toEqual([]);
    const many = extractUrlHosts([Array.from({ length: 100 }, (_, i) => `http://h${i}.example/`).join(' ')]);
    expect(planDnsListQueries({ urlHosts: many }, { ...config, maxQueries: 5 })).toHaveLength(5);
  });
});

describe('dnsListReasons', () => {
  const query = (kind: 'ip' | 'domain', subject: string): DnsListQuery => ({
    kind,
    subject,
    zone: kind === 'ip' ? 'dnsbl.test.example' : 'uribl.test.example',
    name: `${subject}.zone`,
  });

  it('scores each zone that listed something with its configured score', () => {
    const answers: DnsListAnswer[] = [
      { query: query('ip', '192.0.2.99'), status: 'listed', addresses: ['127.0.0.2'] },
      { query: query('domain', 'evil.example'), status: 'listed', addresses: ['127.0.0.4'] },
      { query: query('domain', 'fine.example'), status: 'not-listed' },
    ];
    expect(dnsListReasons(answers, config).map((r) => [r.id, r.score, r.evidence])).toEqual([
      ['IP_DNSBL_LISTED', 40, 'dnsbl.test.example: 192.0.2.99 (127.0.0.2)'],
      ['DOMAIN_DNSBL_LISTED', 30, 'uribl.test.example: evil.example (127.0.0.4)'],
    ]);
  });

  it('ignores answers that are not listings: 127.0.0.1, error codes, non-loopback', () => {
    const answers: DnsListAnswer[] = [
      { query: query('ip', '192.0.2.1'), status: 'listed', addresses: ['127.0.0.1'] },
      { query: query('ip', '192.0.2.2'), status: 'listed', addresses: ['127.255.255.254'] },
      { query: query('ip', '192.0.2.3'), status: 'listed', addresses: ['192.0.2.3'] },
    ];
    expect(dnsListReasons(answers, config)).toEqual([]);
  });

  it('says so when lookups went unanswered, without scoring', () => {
    const answers: DnsListAnswer[] = [
      { query: query('ip', '192.0.2.1'), status: 'timeout' },
      { query: query('domain', 'a.example'), status: 'skipped' },
      { query: query('domain', 'b.example'), status: 'not-listed' },
    ];
    expect(dnsListReasons(answers, config).map((r) => [r.id, r.score, r.evidence])).toEqual([
      ['DNS_LIST_INCOMPLETE', 0, '2 of 3 lookups unanswered'],
    ]);
  });
});
