import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { fakeDns } from '../support/fake-dns.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;
let cli: CliRun;

beforeAll(async () => {
  // The test's SMTP client connects from 127.0.0.1: SPF passes for friends.example.org only.
  gw = await startTestGateway({
    authResolver: fakeDns({ 'friends.example.org TXT': 'v=spf1 ip4:127.0.0.1 -all' }),
  });
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

const mail = (from: string, to: string, id: string, spam = false) =>
  rfc822(
    {
      From: from,
      To: to,
      Subject: `list test ${id}`,
      'Message-ID': `<${id}@x>`,
      ...(spam ? { 'X-Advertisement': 'spam' } : {}),
    },
    'hello\n',
  );

describe('safelists and blocklists', () => {
  it('treats a globally blocklisted sender domain as positive spam, and says why', async () => {
    expect((await cli('blocklist', 'add', 'Bulk.Example.net')).out).toContain(
      "Added to the organisation's blocklist: bulk.example.net",
    );
    const id = await gw.send(mail('x@bulk.example.net', 'a@example.com', 'bl-1'), {
      from: 'x@bulk.example.net',
      to: ['a@example.com'],
    });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.events.find((e) => e.type === 'quarantined')?.detail).toContain(
      "envelope sender x@bulk.example.net matches bulk.example.net on the organisation's blocklist: treated as positive spam",
    );
    // What decided is the first reason the quarantine shows (not the score's baseline).
    const [item] = await gw.deps.quarantine.listForMessage(id);
    expect(item?.reasons[0]).toEqual({
      id: 'SENDER_BLOCKLISTED',
      group: 'engine',
      description:
        "envelope sender x@bulk.example.net matches bulk.example.net on the organisation's blocklist",
      score: 0,
    });
    expect((await cli('quarantine', 'list')).out).toMatch(/x@bulk\.example\.net .*SENDER_BLOCKLISTED/);
    // The headline is the score's verdict; why says a list decided for this recipient.
    const why = (await cli('why', id)).out;
    expect(why).toContain(
      "(the score's verdict: for some recipients a list entry or their policy decided, see below)",
    );
    expect(why).toContain('next time: remove the matching blocklist entry');
    // Released, the copy says what held it for this recipient, not the score's "not spam".
    expect((await gw.api('POST', `/admin/quarantine/${id}/release`, {})).status).toBe(200);
    const released = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<bl-1@x>')));
    const result = /X-Graywall-Result: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/.exec(
      released?.raw.toString('latin1') ?? '',
    );
    expect(result?.[1]?.replace(/\r\n[ \t]+/g, ' ')).toMatch(
      /^score=\d+; verdict=positive spam; .*list=blocklisted; policy=default$/,
    );
  });

  it("lets a recipient's own safelist deliver spam-scored mail to that recipient only", async () => {
    await cli('safelist', 'add', 'newsletter@friends.example.org', '--for', 'b@example.com');
    expect((await cli('safelist', 'list', '--for', 'b@example.com')).out).toMatch(
      /newsletter@friends\.example\.org\s+arn:aws:iam::000000000000:user\/local-admin/,
    );
    const id = await gw.send(
      mail('newsletter@friends.example.org', 'b@example.com, c@example.com', 'sl-1', true),
      {
        from: 'newsletter@friends.example.org',
        to: ['b@example.com', 'c@example.com'],
      },
    );
    const record = await gw.waitForState(id, ['mixed']);
    expect(Object.fromEntries(record.recipientStates.map((r) => [r.recipient, r.state]))).toEqual({
      'b@example.com': 'delivered',
      'c@example.com': 'quarantined',
    });
    const delivered = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<sl-1@x>')));
    expect(delivered?.recipients).toEqual(['b@example.com']);
    // The header says a list decided, not the score.
    const result = /X-Graywall-Result: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/.exec(
      delivered?.raw.toString('latin1') ?? '',
    );
    expect(result?.[1]?.replace(/\r\n[ \t]+/g, ' ')).toMatch(
      /^score=100; verdict=not spam; graymail=\w+; top=.*; list=safelisted; policy=/,
    );
  });

  it('does not let a forged sender use a safelist entry: SPF must pass for it, and tracking says why not', async () => {
    await cli('safelist', 'add', 'partner.example', '--for', 'e@example.com');
    const id = await gw.send(mail('ceo@partner.example', 'e@example.com', 'sl-forged', true), {
      from: 'ceo@partner.example',
      to: ['e@example.com'],
    });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.events.find((e) => e.type === 'list-not-applied')?.detail).toBe(
      "envelope sender ceo@partner.example matches partner.example on e@example.com's safelist, but SPF did not pass for it: " +
        'not applied (a safelist entry needs the sender authenticated, or anyone could use the address)',
    );
    // "why" says so too, and does not suggest the entry that already exists.
    const why = (await cli('why', id)).out;
    expect(why).toContain(
      "e@example.com: envelope sender ceo@partner.example matches partner.example on e@example.com's safelist, but SPF did not pass for it",
    );
    expect(why).toContain('next time: the safelist entry above applies once the sender is authenticated');
    expect(why).not.toContain('graywall safelist add');
  });

  it('blocks on the From header too (the address the quarantine list shows), whatever the envelope says', async () => {
    await cli('blocklist', 'add', 'cheap-pills.example');
    const id = await gw.send(mail('Joe <joe@cheap-pills.example>', 'f@example.com', 'bl-header'), {
      from: 'bounce@elsewhere.example',
      to: ['f@example.com'],
    });
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.events.find((e) => e.type === 'quarantined')?.detail).toContain(
      "From address joe@cheap-pills.example matches cheap-pills.example on the organisation's blocklist",
    );
    await cli('blocklist', 'remove', 'cheap-pills.example');
  });

  it('never lets a safelisted sender deliver malware: SES virus verdict FAIL is held whatever the lists say', async () => {
    await cli('safelist', 'add', 'partner-mal.example.org');
    const id = await gw.inject(
      mail('billing@partner-mal.example.org', 'm@example.com', 'mal-1'),
      { from: 'billing@partner-mal.example.org', to: ['m@example.com'] },
      { ses: { spfVerdict: { status: 'PASS' }, virusVerdict: { status: 'FAIL' } } },
    );
    const record = await gw.waitForState(id, ['quarantined']);
    expect(record.events.find((e) => e.type === 'quarantined')?.detail).toContain(
      'SES found malware (virus verdict FAIL): positive spam, whatever the list entry says',
    );
    // Nor is it offered for "always allow".
    expect((await gw.deps.quarantine.get(id, 'm@example.com'))?.allowSender).toBeUndefined();
    await cli('safelist', 'remove', 'partner-mal.example.org');
  });

  it('keeps the organisation blocklist above a recipient safelist', async () => {
    await cli('safelist', 'add', '.bulk.example.net', 'bulk.example.net', '--for', 'd@example.com');
    const id = await gw.send(mail('x@bulk.example.net', 'd@example.com', 'bl-2'), {
      from: 'x@bulk.example.net',
      to: ['d@example.com'],
    });
    await gw.waitForState(id, ['quarantined']);
  });

  it('removes entries, and refuses malformed ones with a clear message', async () => {
    expect((await cli('blocklist', 'remove', 'bulk.example.net', 'never-added.example')).out).toBe(
      "Removed from the organisation's blocklist: bulk.example.net\nNot on the organisation's blocklist: never-added.example\n",
    );
    expect((await cli('blocklist', 'list')).out).toContain("the organisation's blocklist is empty.");
    const bad = await cli('safelist', 'add', 'not an address');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(
      '"not an address" is not an address (user@example.org), a domain (example.org) or a subdomain wildcard',
    );
    const badScope = await cli('safelist', 'list', '--for', 'example.com');
    expect(badScope.err).toContain('"for" must be a recipient address');
    // Entries that could never apply, or would do harm, are refused with the reason.
    expect(
      (await cli('safelist', 'add', 'x@partner.example.net', '--for', 'someone@not-ours.example')).err,
    ).toContain(
      '"for" must be an address in one of our domains (example.com); someone@not-ours.example is not',
    );
    expect((await cli('safelist', 'add', '*@foo.example')).err).toContain(
      '"*@foo.example": no wildcards; example.org matches everyone at example.org, .example.org its subdomains',
    );
    const own = await cli('blocklist', 'add', 'example.com');
    expect(own.code).toBe(1);
    expect(own.err).toContain(
      'example.com is our own domain: blocking it would block mail between our users; block the forged address instead',
    );
    expect((await cli('blocklist', 'add', 'ceo@example.com')).code).toBe(0);
  });
});
