import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/parse-config.ts';
import { addressMatches, policyFor, resolvePolicies } from '../../../functions/core/policy/match-policy.ts';
import { planActions } from '../../../functions/core/policy/plan-actions.ts';

const config = parseConfig(`
domains: [example.com]
delivery: { type: smtp, host: mail.example.com }
policies:
  incoming:
    - name: executives
      recipients: [ceo@example.com, .board.example.com]
      positiveThreshold: 70
      positive: { action: deliver, prependSubject: "[SPAM] " }
    - name: partner-mail
      senders: [partner.example.org]
      engine: disabled
    - name: sales-from-partner
      recipients: [sales@example.com]
      senders: [partner.example.org, reseller.example.org]
      positive: { action: drop }
    - name: no-suspect
      recipients: [ops@example.com]
      suspectScanning: false
  outgoing:
    - name: internal
      recipients: [example.com, .example.com]
      engine: disabled
    - name: leaving
      senders: [example.com, .example.com]
      positive: { action: bounce }
`);
const table = resolvePolicies(config);

describe('addressMatches', () => {
  it('matches an address, a domain, or subdomains only', () => {
    expect(addressMatches('ceo@example.com', 'CEO@Example.com')).toBe(true);
    expect(addressMatches('example.com', 'a@example.com')).toBe(true);
    expect(addressMatches('example.com', 'a@sub.example.com')).toBe(false);
    expect(addressMatches('.example.com', 'a@sub.example.com')).toBe(true);
    expect(addressMatches('.example.com', 'a@example.com')).toBe(false);
    expect(addressMatches('.example.com', 'a@badexample.com')).toBe(false);
  });
});

describe('policyFor', () => {
  it('takes the first incoming policy that matches, else the default', () => {
    expect(policyFor(table, 'x@spam.example', 'ceo@example.com').name).toBe('executives');
    expect(policyFor(table, 'x@spam.example', 'chair@eu.board.example.com').name).toBe('executives');
    expect(policyFor(table, 'x@partner.example.org', 'bob@example.com').name).toBe('partner-mail');
    // partner-mail (senders only) comes first, so it wins over the stricter later policy where
    // both match (a policy that could never apply is refused by the config check).
    expect(policyFor(table, 'x@partner.example.org', 'sales@example.com').name).toBe('partner-mail');
    expect(policyFor(table, 'x@reseller.example.org', 'sales@example.com').name).toBe('sales-from-partner');
    expect(policyFor(table, 'x@spam.example', 'sales@example.com').name).toBe('default');
  });

  it('uses the outgoing table for SPF-authenticated mail from our own domains', () => {
    expect(policyFor(table, 'ann@example.com', 'bob@example.com', true).name).toBe('internal');
    expect(policyFor(table, 'ann@eu.example.com', 'bob@example.com', true).name).toBe('internal');
    expect(policyFor(table, 'ann@example.com', 'x@customer.example', true).name).toBe('leaving');
    // Outgoing falls back to the default policy, never to the incoming table.
    const onlyIncoming = resolvePolicies({ ...config, policies: { ...config.policies, outgoing: [] } });
    expect(policyFor(onlyIncoming, 'ann@example.com', 'ceo@example.com', true).name).toBe('default');
  });

  it('never treats a forged own-domain sender as outgoing', () => {
    // Without SPF pass, "ann@example.com" is whatever a stranger wrote in MAIL FROM.
    expect(policyFor(table, 'ann@example.com', 'bob@example.com', false).name).toBe('default');
    expect(policyFor(table, 'ann@example.com', 'ceo@example.com').name).toBe('executives');
    // A look-alike domain is not ours even when its SPF passes.
    expect(policyFor(table, 'x@badexample.com', 'bob@example.com', true).name).toBe('default');
  });

  it('inherits what a policy leaves out from the default policy', () => {
    const executives = policyFor(table, 'x@spam.example', 'ceo@example.com');
    expect(executives).toMatchObject({ positiveThreshold: 70, suspectThreshold: 50, engine: 'graywall' });
    expect(executives.suspect).toEqual(config.policies.default.suspect);
  });
});

describe('planActions', () => {
  const plan = (score: number, recipients: string[], sender = 'x@spam.example') =>
    planActions(table, {
      score,
      scanVerdict: score >= 90 ? 'positive' : score >= 50 ? 'suspect' : 'clean',
      envelopeFrom: sender,
      recipients,
    });

  it('splits a message whose recipients fall under different policies', () => {
    const groups = plan(80, ['ceo@example.com', 'bob@example.com', 'ann@example.com']);
    expect(groups.map((g) => [g.policy, g.verdict, g.settings.action, g.recipients])).toEqual([
      ['executives', 'positive', 'deliver', ['ceo@example.com']],
      ['default', 'suspect', 'deliver', ['bob@example.com', 'ann@example.com']],
    ]);
    expect(groups[0]?.settings.prependSubject).toBe('[SPAM] ');
    // The policy's own threshold, not the message-wide verdict, made it positive: said so.
    expect(groups[0]?.notes).toEqual([
      'score 80 is positive spam under policy "executives" (suspect from 50, positive from 70)',
    ]);
    expect(groups[1]?.notes).toEqual([]);
  });

  it('treats everything as clean under a disabled engine, saying so', () => {
    const [group] = plan(100, ['bob@example.com'], 'x@partner.example.org');
    expect(group).toMatchObject({
      verdict: 'clean',
      settings: { action: 'deliver' },
      notes: ['anti-spam is disabled by policy "partner-mail"'],
      engineDisabled: true,
    });
    // No scanning wanted: the policy's unscannable action does not apply either.
    const [unscanned] = planActions(table, {
      score: 0,
      scanVerdict: 'unscannable',
      envelopeFrom: 'x@partner.example.org',
      recipients: ['bob@example.com'],
    });
    expect(unscanned).toMatchObject({
      verdict: 'clean',
      settings: { action: 'deliver' },
      engineDisabled: true,
    });
    expect(plan(100, ['bob@example.com'])[0]?.engineDisabled).toBeUndefined();
  });

  it('never lets malware through as clean: not by a safelist entry, not by a disabled engine', () => {
    const input = {
      score: 100,
      scanVerdict: 'positive',
      envelopeFrom: 'x@partner.example.org',
      recipients: ['bob@example.com'],
      malware: true,
      lists: new Map([['bob@example.com', { verdict: 'safelisted' as const, reason: 'on the safelist' }]]),
    } as const;
    const [group] = planActions(table, input);
    expect(group).toMatchObject({
      policy: 'partner-mail',
      verdict: 'positive',
      notes: ['SES found malware (virus verdict FAIL): positive spam, whatever the list entry says'],
    });
    expect(group?.list).toBeUndefined();
    expect(group?.engineDisabled).toBeUndefined();
    const [unlisted] = planActions(table, { ...input, lists: new Map() });
    expect(unlisted?.verdict).toBe('positive');
  });

  it('delivers suspected spam as clean when suspect scanning is off', () => {
    const [group] = plan(60, ['ops@example.com']);
    expect(group).toMatchObject({
      verdict: 'clean',
      notes: ['suspect scanning is off in policy "no-suspect"'],
    });
  });

  it('lets lists override the score: blocklisted is positive, safelisted is clean', () => {
    const groups = planActions(table, {
      score: 0,
      scanVerdict: 'clean',
      envelopeFrom: 'x@spam.example',
      recipients: ['a@example.com', 'b@example.com'],
      lists: new Map([
        ['a@example.com', { verdict: 'blocklisted', reason: 'on the blocklist' }],
        ['b@example.com', { verdict: 'safelisted', reason: 'on the safelist' }],
      ]),
    });
    expect(groups.map((g) => [g.recipients[0], g.verdict, g.settings.action, g.notes])).toEqual([
      ['a@example.com', 'positive', 'quarantine', ['on the blocklist: treated as positive spam']],
      ['b@example.com', 'clean', 'deliver', ['on the safelist: spam and graymail verdicts skipped']],
    ]);
  });

  it('scans forged internal mail under the incoming policies', () => {
    const input = {
      score: 95,
      scanVerdict: 'positive',
      envelopeFrom: 'ann@example.com',
      recipients: ['bob@example.com'],
    } as const;
    expect(planActions(table, { ...input, senderAuthenticated: true })[0]).toMatchObject({
      policy: 'internal',
      verdict: 'clean',
      notes: ['anti-spam is disabled by policy "internal"'],
    });
    expect(planActions(table, input)[0]).toMatchObject({ policy: 'default', verdict: 'positive' });
  });

  it('keeps unscannable mail unscannable under every policy', () => {
    const [group] = planActions(table, {
      score: 0,
      scanVerdict: 'unscannable',
      envelopeFrom: 'x@y.example',
      recipients: ['ceo@example.com'],
    });
    expect(group).toMatchObject({
      verdict: 'unscannable',
      settings: { action: 'deliver', prependSubject: '[WARNING: MESSAGE UNSCANNED] ' },
    });
  });
});
