import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/parse-config.ts';
import { ConfigError } from '../../../functions/core/errors.ts';

const minimal = 'domains: [Example.COM]\ndelivery: { type: smtp, host: mail.example.com }\n';

function issuesOf(text: string): readonly string[] {
  try {
    parseConfig(text, 'graywall.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills documented defaults and normalises domains', () => {
    const config = parseConfig(minimal);
    expect(config.domains).toEqual(['example.com']);
    expect(config.antispam).toEqual({
      positiveThreshold: 90,
      suspectThreshold: 50,
      profile: 'normal',
      alwaysScanBelowBytes: 1024 * 1024,
      neverScanAboveBytes: 2 * 1024 * 1024,
      scanTimeoutSeconds: 60,
      ruleScores: {},
      composites: [],
      relays: [],
      externalEngines: [],
      reputation: {
        ips: { block: [], allow: [] },
        senderDomains: { block: [], allow: [] },
        uriDomains: { block: [], allow: [] },
        dnsLists: {
          enabled: false,
          ip: [],
          domain: [],
          queryTimeoutMs: 1500,
          budgetMs: 4000,
          maxQueries: 40,
        },
      },
    });
    expect(config.filters).toEqual([]);
    expect(config.digest).toEqual({
      enabled: true,
      schedule: 'cron(0 7 * * ? *)',
      linkLifetimeDays: 7,
      timeZone: 'UTC',
    });
    expect(config.delivery).toMatchObject({
      type: 'smtp',
      port: 25,
      tls: 'required',
      verifyCertificate: true,
    });
    expect(config.policies.default.positive.action).toBe('quarantine');
    expect(config.policies.default.suspect).toEqual({
      action: 'deliver',
      prependSubject: '[SUSPECTED SPAM] ',
      archive: false,
    });
    expect(config.policies.incoming).toEqual([]);
    expect(config.quarantine.retentionDays).toBe(30);
  });

  it('takes an IANA time zone for the digest, and names the field and value of an unknown one', () => {
    expect(parseConfig(`${minimal}digest: { timeZone: Europe/Berlin }\n`).digest.timeZone).toBe(
      'Europe/Berlin',
    );
    expect(issuesOf(`${minimal}digest: { timeZone: Europe/Berlinn }\n`)).toEqual([
      'digest.timeZone: must be a time zone name from the IANA database, such as UTC, Europe/Berlin or America/New_York (got "Europe/Berlinn")',
    ]);
    expect(issuesOf(`${minimal}digest: { timeZone: CEST }\n`)).toHaveLength(1);
  });

  it('reads JSON as well as YAML', () => {
    expect(
      parseConfig(
        JSON.stringify({ domains: ['a.example'], delivery: { type: 'ses', fromAddress: 'f@a.example' } }),
      ).delivery.type,
    ).toBe('ses');
  });

  it('names the field, the rule and the value for out-of-range thresholds', () => {
    expect(issuesOf(`${minimal}antispam: { positiveThreshold: 120, suspectThreshold: 10 }\n`)).toEqual([
      'antispam.positiveThreshold: must be 99 or less (got 120)',
      'antispam.suspectThreshold: must be 25 or more (got 10)',
    ]);
    expect(issuesOf(`${minimal}antispam: { positiveThreshold: 60, suspectThreshold: 70 }\n`)).toEqual([
      'antispam.suspectThreshold: must not be above positiveThreshold (60) (got 70)',
    ]);
    expect(issuesOf(`${minimal}antispam: { suspectThreshold: 95 }\n`)).toEqual([
      'antispam.suspectThreshold: must not be above positiveThreshold (90, the default) (got 95)',
    ]);
    // YAML's infinity and not-a-number are shown as written, not as JSON's null.
    const nonFinite = issuesOf(`${minimal}antispam: { positiveThreshold: .inf, suspectThreshold: .nan }\n`);
    expect(
      nonFinite.some(
        (line) => line.startsWith('antispam.positiveThreshold:') && line.endsWith('(got Infinity)'),
      ),
    ).toBe(true);
    expect(
      nonFinite.some((line) => line.startsWith('antispam.suspectThreshold:') && line.endsWith('(got NaN)')),
    ).toBe(true);
  });

  it("keeps an unsubscribe attempt's timeout within what the confirmation page can wait under API Gateway's limit", () => {
    expect(issuesOf(`${minimal}unsubscribe: { timeoutSeconds: 13 }\n`)).toEqual([
      "unsubscribe.timeoutSeconds: must be 12 or less (the confirmation page must answer within API Gateway's 30 s) (got 13)",
    ]);
    expect(
      parseConfig(`${minimal}unsubscribe: { timeoutSeconds: 12 }\n`, 'test').unsubscribe.timeoutSeconds,
    ).toBe(12);
  });

  it('lowercases the addresses we receive for, as recipients are compared (SES hands them over lowercased)', () => {
    const config = parseConfig(`${minimal}recipients: [CEO@Example.com]\n`);
    expect(config.recipients).toEqual(['ceo@example.com']);
    const ses = parseConfig(
      'domains: [example.com]\ndelivery: { type: ses, fromAddress: Relay@example.com, forward: { Boss@Example.com: Boss.Home@mail.example.org } }\n',
    );
    expect(ses.delivery).toMatchObject({
      fromAddress: 'Relay@example.com',
      forward: { 'boss@example.com': 'Boss.Home@mail.example.org' },
    });
  });

  it("points the default policy's thresholds to antispam, and says when an action is missing", () => {
    expect(issuesOf(`${minimal}policies: { default: { positiveThreshold: 80 } }\n`)).toEqual([
      "policies.default: unknown setting positiveThreshold (the default policy's thresholds are antispam.positiveThreshold)",
    ]);
    const missing = issuesOf(
      `${minimal}policies: { default: { graymail: { marketing: { archive: true } } } }\n`,
    );
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(
      /^policies\.default\.graymail\.marketing\.action: is required: one of "deliver"/,
    );
  });

  it('refuses an incoming policy that can never apply: another domain, or covered by one above', () => {
    expect(
      issuesOf(`${minimal}policies: { incoming: [{ name: far, recipients: [boss@elsewhere.example] }] }\n`),
    ).toEqual([
      'policies.incoming.0.recipients.0: never matches: incoming mail is only for the configured domains (example.com) (got "boss@elsewhere.example")',
    ]);
    expect(
      issuesOf(
        `${minimal}policies: { incoming: [{ name: all, recipients: [example.com] }, { name: ceo, recipients: [example.com], senders: [partner.example] }] }\n`,
      ),
    ).toEqual([
      'policies.incoming.1: never applies: policy "all" above matches all its recipients and senders (the first matching policy wins)',
    ]);
    // Covered by a wider pattern above: an address by its domain, a subdomain by `.parent`.
    expect(
      issuesOf(
        `${minimal}policies: { incoming: [{ name: all, recipients: [example.com] }, { name: bob, recipients: [b@example.com] }] }\n`,
      ),
    ).toEqual([
      'policies.incoming.1: never applies: policy "all" above matches all its recipients and senders (the first matching policy wins)',
    ]);
    expect(
      issuesOf(
        `${minimal}policies: { incoming: [{ name: subs, recipients: [.example.com] }, { name: sales, recipients: [sales.example.com, x@eu.sales.example.com] }] }\n`,
      ),
    ).toHaveLength(1);
    // Subdomains, and a narrower policy above a wider one, are fine.
    expect(() =>
      parseConfig(
        `${minimal}policies: { incoming: [{ name: ceo, recipients: [ceo@example.com] }, { name: sub, recipients: [.example.com] }, { name: all, recipients: [example.com] }] }\n`,
      ),
    ).not.toThrow();
  });

  it("refuses a '*' wildcard in a policy's address, which would match nothing", () => {
    const issues = issuesOf(
      `${minimal}policies: { incoming: [{ name: all, recipients: ['*@example.com'] }] }\n`,
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^policies\.incoming\.0\.recipients\.0: must be an address .*no \* wildcards \(got "\*@example\.com"\)$/,
    );
  });

  it('rejects bad domains, recipients outside them, unknown keys and bad delivery', () => {
    expect(issuesOf('domains: ["not a domain"]\ndelivery: { type: smtp, host: h.example.com }')[0]).toMatch(
      /^domains\.0: must be a domain name/,
    );
    expect(issuesOf(`${minimal}recipients: [bob@other.example]\n`)).toEqual([
      'recipients.0: is not in one of the configured domains (example.com) (got "bob@other.example")',
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `u${i}@example.com`).join(', ');
    expect(issuesOf(`${minimal}recipients: [${many}]\n`)).toEqual([
      'recipients: at most 100 addresses (the SES receipt rule limit)',
    ]);
    expect(issuesOf(`${minimal}antispam: { positiveTreshold: 80 }\n`)).toEqual([
      'antispam: unknown setting positiveTreshold',
    ]);
    expect(issuesOf('domains: [example.com]\ndelivery: { type: carrier-pigeon }')[0]).toBe(
      'delivery.type: must be { type: smtp, host, ... } or { type: ses, fromAddress, ... } (got "carrier-pigeon")',
    );
    expect(issuesOf('domains: [example.com]')).toEqual(['delivery: is required (object)']);
    expect(
      issuesOf('domains: [example.com]\ndelivery: { type: smtp, host: h.example.com, tls: sometimes }\n')[0],
    ).toBe('delivery.tls: must be one of "required", "opportunistic", "none" (got "sometimes")');
  });

  it('refuses subject tags that could inject header lines', () => {
    expect(
      issuesOf(
        `${minimal}policies: { default: { suspect: { action: deliver, prependSubject: "x\\nBcc: a@b" } } }\n`,
      )[0],
    ).toMatch(/^policies\.default\.suspect\.prependSubject: must be printable US-ASCII/);
  });

  it("refuses an added header a message may have once, a MIME or trace field, or one of Graywall's own", () => {
    const addHeader = (name: string, where = 'default: { suspect') =>
      issuesOf(
        `${minimal}policies: { ${where}: { action: deliver, addHeader: { name: "${name}", value: x } }${' }'.repeat(where.split('{').length)}\n`,
      );
    // Two Subject fields: the reader's client may show the added one, without the [SPAM] tag.
    expect(addHeader('Subject')).toEqual([
      'policies.default.suspect.addHeader.name: cannot add Subject: a message may have this field only once (RFC 5322 §3.6), so adding one would make a second copy that hides or contradicts the original; use a name of your own such as X-Policy (got "Subject")',
    ]);
    expect(addHeader('X-Graywall-Result')[0]).toMatch(
      /^policies\.default\.suspect\.addHeader\.name: cannot add X-Graywall-Result: X-Graywall-\* fields are written by Graywall only/,
    );
    for (const name of [
      'from',
      'REPLY-TO',
      'Message-ID',
      'References',
      'Bcc',
      'Date',
      'Sender',
      'In-Reply-To',
    ])
      expect(addHeader(name)[0]).toMatch(/only once \(RFC 5322 §3\.6\)/);
    for (const name of ['MIME-Version', 'Content-Type', 'content-transfer-encoding'])
      expect(addHeader(name)[0]).toMatch(/describe the message body/);
    for (const name of [
      'Received',
      'Return-Path',
      'Authentication-Results',
      'DKIM-Signature',
      'ARC-Seal',
      'List-Unsubscribe',
      'List-Unsubscribe-Post',
      'List-Id',
      'Resent-From',
      'Auto-Submitted',
    ])
      expect(addHeader(name)[0]).toMatch(/would be taken as genuine/);
    // Everywhere a policy can add a header: the graymail actions and the incoming policies too.
    expect(addHeader('Subject', 'default: { graymail: { marketing')[0]).toMatch(
      /^policies\.default\.graymail\.marketing\.addHeader\.name: cannot add Subject/,
    );
    expect(
      issuesOf(
        `${minimal}policies:\n  incoming:\n    - { name: vip, senders: [a.example], positive: { action: quarantine, addHeader: { name: x-graywall-released, value: x } } }\n`,
      )[0],
    ).toMatch(/^policies\.incoming\.0\.positive\.addHeader\.name: cannot add x-graywall-released/);
    // Names of one's own, including ones that merely start like a reserved one, are fine.
    for (const name of ['X-Policy', 'X-Graywallish', 'Subjects', 'X-Subject', 'Listing'])
      expect(
        parseConfig(
          `${minimal}policies: { default: { suspect: { action: deliver, addHeader: { name: ${name}, value: x } } } }\n`,
        ).policies.default.suspect.addHeader?.name,
      ).toBe(name);
  });

  it('validates incoming policies: matchers, action modifiers, names and inherited thresholds', () => {
    const policy = (body: string) => `${minimal}policies:\n  incoming:\n    - ${body}\n`;
    expect(
      parseConfig(
        policy(
          '{ name: vip, recipients: [CEO@Example.com, .board.example.com], positive: { action: deliver, alternateHost: "mx2.example.com:2525" } }',
        ),
      ).policies.incoming[0],
    ).toMatchObject({
      recipients: ['ceo@example.com', '.board.example.com'],
      positive: { action: 'deliver', alternateHost: { host: 'mx2.example.com', port: 2525 } },
    });
    expect(issuesOf(policy('{ name: vip }'))).toEqual([
      'policies.incoming.0: name recipients or senders (or both) that the policy matches',
    ]);
    expect(issuesOf(policy('{ name: vip, recipients: ["not valid"] }'))[0]).toMatch(
      /^policies\.incoming\.0\.recipients\.0: must be an address/,
    );
    expect(
      issuesOf(
        policy(
          '{ name: vip, senders: [a.example], positive: { action: drop, alternateRecipient: x@example.com } }',
        ),
      ),
    ).toEqual([
      'policies.incoming.0.positive.alternateRecipient: only applies when action is deliver (action is drop) (got "x@example.com")',
    ]);
    expect(
      issuesOf(
        policy('{ name: vip, senders: [a.example], positive: { action: drop, bounceText: "Go away" } }'),
      ),
    ).toEqual([
      'policies.incoming.0.positive.bounceText: only applies when action is bounce (action is drop) (got "Go away")',
    ]);
    expect(
      issuesOf(
        policy(
          '{ name: vip, senders: [a.example], positive: { action: bounce, bounceText: "Gehen Sie weg ü" } }',
        ),
      ),
    ).toEqual([
      'policies.incoming.0.positive.bounceText: must be printable US-ASCII (it goes into the delivery report as it is) (got "Gehen Sie weg ü")',
    ]);
    expect(issuesOf(policy('{ name: vip, senders: [a.example], suspectThreshold: 95 }'))).toEqual([
      'policies.incoming.0.suspectThreshold: gives suspect threshold 95 above positive threshold 90 (from antispam.positiveThreshold) (got 95)',
    ]);
    expect(
      issuesOf(
        policy(
          '{ name: vip, senders: [a.example], positive: { action: deliver, alternateHost: "mx:99999" } }',
        ),
      )[0],
    ).toMatch(/alternateHost: must be host or host:port/);
    expect(issuesOf(policy('{ name: Default, senders: [a.example] }'))).toEqual([
      'policies.incoming.0.name: "Default" is the name of the default policy (policies.default): give this policy another name (got "Default")',
    ]);
  });

  it('reports a bad threshold once, where the file sets it, not in every policy inheriting it', () => {
    const policies = [1, 2, 3, 4, 5]
      .map((i) => `    - { name: p${i}, recipients: [u${i}@example.com] }\n`)
      .join('');
    // The antispam thresholds' range error only: the policies set no threshold of their own.
    expect(
      issuesOf(`${minimal}antispam: { positiveThreshold: 45 }\npolicies:\n  incoming:\n${policies}`),
    ).toEqual(['antispam.positiveThreshold: must be 50 or more (got 45)']);
    // A pair that is wrong in antispam is antispam's error, not each policy's.
    expect(
      issuesOf(
        `${minimal}antispam: { positiveThreshold: 60, suspectThreshold: 70 }\npolicies:\n  incoming:\n${policies}`,
      ),
    ).toEqual(['antispam.suspectThreshold: must not be above positiveThreshold (60) (got 70)']);
    // A policy's own threshold against an inherited one says where the other came from.
    expect(
      issuesOf(
        `${minimal}antispam: { suspectThreshold: 70 }\npolicies:\n  incoming:\n    - { name: lax, senders: [a.example], positiveThreshold: 60 }\n`,
      ),
    ).toEqual([
      'policies.incoming.0.positiveThreshold: gives suspect threshold 70 (from antispam.suspectThreshold) above positive threshold 60 (got 60)',
    ]);
  });

  it('takes submission mailboxes only in our own domains, each once', () => {
    const mailboxes = (list: string) => `${minimal}submissions:\n  mailboxes: ${list}\n`;
    expect(
      parseConfig(mailboxes('[{ address: Spam@Example.com, category: missed-spam }]')).submissions,
    ).toEqual({
      mailboxes: [{ address: 'spam@example.com', category: 'missed-spam' }],
    });
    expect(issuesOf(mailboxes('[{ address: spam@other.example }]'))[0]).toMatch(
      /^submissions\.mailboxes\.0\.address: is not in one of the configured domains/,
    );
    expect(issuesOf(mailboxes('[{ address: a@example.com }, { address: A@example.com }]'))[0]).toMatch(
      /^submissions\.mailboxes\.1\.address: is listed twice/,
    );
    expect(issuesOf(mailboxes('[{ address: a@example.com, category: ham }]'))[0]).toMatch(
      /^submissions\.mailboxes\.0\.category: /,
    );
  });

  it('checks outgoing policies like incoming ones, with names unique across both tables', () => {
    const both = (outgoing: string) =>
      `${minimal}policies:\n  incoming: [{ name: vip, senders: [a.example] }]\n  outgoing: [${outgoing}]\n`;
    expect(issuesOf(both('{ name: VIP, recipients: [b.example] }'))).toEqual([
      'policies.outgoing.0.name: policy name "VIP" is already used by policies.incoming.0 (names are unique across incoming and outgoing, ignoring case) (got "VIP")',
    ]);
    expect(issuesOf(both('{ name: out, recipients: [b.example], suspectThreshold: 95 }'))).toEqual([
      'policies.outgoing.0.suspectThreshold: gives suspect threshold 95 above positive threshold 90 (from antispam.positiveThreshold) (got 95)',
    ]);
  });

  it('explains unreadable files and non-mapping documents', () => {
    expect(() => parseConfig('domains: [a\n  b: c', 'x.yaml')).toThrow(/x\.yaml: not valid YAML or JSON/);
    expect(() => parseConfig('- a\n- b', 'x.yaml')).toThrow(
      'x.yaml: must be a mapping of settings (got a list)',
    );
    expect(() => parseConfig('domains: [a.example]\ndomains: [b.example]', 'x.yaml')).toThrow(
      /not valid YAML/,
    );
  });
});
