import { describe, expect, it } from 'vitest';
import {
  compileReputation,
  REPUTATION_REASON,
  reputationReasons,
} from '../../../functions/core/reputation/local-lists.ts';
import {
  type ReputationInput,
  reputationSchema,
} from '../../../functions/core/reputation/reputation-config.ts';
import { extractUrlHosts } from '../../../functions/core/reputation/url-hosts.ts';

const lists = (input: ReputationInput) => compileReputation(reputationSchema.parse(input));

const corp = lists({
  ips: { block: ['203.0.113.0/24', '2001:db8:bad::/48'], allow: ['203.0.113.9', '198.51.100.0/24'] },
  senderDomains: { block: ['spam.example'], allow: ['partner.example'] },
  uriDomains: { block: ['evil.example', '*.tracker.example'], allow: ['safe.evil.example'] },
});

const summary = (reasons: ReturnType<typeof reputationReasons>) =>
  reasons.map((r) => [r.id, r.score, r.evidence]);

describe('reputationReasons: IPs', () => {
  it('blocklists a sender IP in a blocked CIDR, IPv4 and IPv6', () => {
    expect(summary(reputationReasons({ senderIp: '203.0.113.50' }, corp))).toEqual([
      ['IP_BLOCKLISTED', 60, '203.0.113.50 in 203.0.113.0/24'],
    ]);
    expect(reputationReasons({ senderIp: '2001:db8:bad::25' }, corp)[0]?.id).toBe('IP_BLOCKLISTED');
  });

  it('lets the more specific entry win: an allowed host inside a blocked block', () => {
    expect(summary(reputationReasons({ senderIp: '203.0.113.9' }, corp))).toEqual([
      ['IP_ALLOWLISTED', -30, '203.0.113.9 in 203.0.113.9'],
    ]);
    expect(reputationReasons({ senderIp: '192.0.2.1' }, corp)).toEqual([]);
    expect(reputationReasons({ senderIp: 'garbage' }, corp)).toEqual([]);
  });
});

describe('reputationReasons: sender domains', () => {
  it('blocklists the envelope or From domain, subdomains included', () => {
    expect(
      summary(reputationReasons({ envelopeFrom: 'a@mx.spam.example', fromAddress: 'b@ok.example' }, corp)),
    ).toEqual([['SENDER_DOMAIN_BLOCKLISTED', 60, 'MAIL FROM mx.spam.example (spam.example)']]);
  });

  it('credits an allowlisted domain only when authentication vouched for it', () => {
    const facts = { fromAddress: 'ceo@partner.example' };
    expect(summary(reputationReasons({ ...facts, authenticatedDomains: ['partner.example'] }, corp))).toEqual(
      [['SENDER_DOMAIN_ALLOWLISTED', -30, 'From partner.example (partner.example)']],
    );
    expect(summary(reputationReasons(facts, corp))).toEqual([
      ['SENDER_DOMAIN_ALLOWLIST_UNAUTHENTICATED', 0, 'From partner.example'],
    ]);
  });
});

describe('reputationReasons: link hosts', () => {
  it('names blocked link hosts as evidence, and skips allowlisted subdomains', () => {
    const urlHosts = extractUrlHosts([
      'See http://www.evil.example/x, http://safe.evil.example/, https://a.b.tracker.example/p and http://fine.example/',
    ]);
    expect(summary(reputationReasons({ urlHosts }, corp))).toEqual([
      ['URI_BLOCKLISTED', 40, 'www.evil.example, a.b.tracker.example'],
    ]);
  });

  it('judges links to bare IPs by the IP lists, and takes score overrides', () => {
    const urlHosts = extractUrlHosts(['http://203.0.113.77/login']);
    expect(
      summary(reputationReasons({ urlHosts }, corp, { [REPUTATION_REASON.URI_BLOCKLISTED]: 25 })),
    ).toEqual([['URI_BLOCKLISTED', 25, '203.0.113.77']]);
  });
});

describe('reputationSchema', () => {
  it('defaults to empty lists and DNS lists off', () => {
    const config = reputationSchema.parse(undefined);
    expect(config.ips).toEqual({ block: [], allow: [] });
    expect(config.dnsLists).toMatchObject({ enabled: false, ip: [], domain: [], maxQueries: 40 });
  });

  it('normalises wildcard domain entries and explains bad ones', () => {
    expect(
      reputationSchema.parse({ uriDomains: { block: ['*.Tracker.Example.'] } }).uriDomains.block,
    ).toEqual(['tracker.example']);
    const bad = reputationSchema.safeParse({
      ips: { block: ['10.0.0.0/99'] },
      senderDomains: { allow: ['not a domain'] },
    });
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['ips.block.0', 'senderDomains.allow.0']);
  });
});
