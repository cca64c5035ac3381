import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDnsFile, parseDnsFile } from '../../functions/adapters/dns-file.ts';
import type { DnsResolver } from '../../functions/adapters/mail-auth.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'graywall-dns-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** What the machine's DNS would be asked: recorded, and answered "no such name". */
const asked: string[] = [];
const offline: DnsResolver = async (name, rrtype) => {
  asked.push(`${name} ${rrtype}`);
  throw Object.assign(new Error(`query${rrtype} ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

const ZONE = `
partner.example.org:
  TXT: "v=spf1 ip4:127.0.0.1 -all"
_dmarc.partner.example.org:
  txt: ["v=DMARC1; p=reject"]
Mail.Partner.example.org.:
  A: 127.0.0.1
  MX: "10 mx.partner.example.org"
long.example.org:
  TXT: "${'x'.repeat(300)}"
`;

describe('the local DNS file', () => {
  it('answers the names it holds from the file, NODATA for a type it lacks, the rest from the fallback', async () => {
    const resolve = loadDnsFile(file('zone.yaml', ZONE), offline);
    expect(await resolve('PARTNER.example.org', 'TXT')).toEqual([['v=spf1 ip4:127.0.0.1 -all']]);
    expect(await resolve('_dmarc.partner.example.org', 'TXT')).toEqual([['v=DMARC1; p=reject']]);
    expect(await resolve('mail.partner.example.org', 'A')).toEqual(['127.0.0.1']);
    expect(await resolve('mail.partner.example.org', 'MX')).toEqual([
      { priority: 10, exchange: 'mx.partner.example.org' },
    ]);
    // A long TXT value comes back as 255-character strings, as DNS splits it (RFC 1035 §3.3).
    expect((await resolve('long.example.org', 'TXT'))[0]).toEqual(['x'.repeat(255), 'x'.repeat(45)]);
    await expect(resolve('partner.example.org', 'A')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolve('elsewhere.example.net', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(asked).toEqual(['elsewhere.example.net TXT']);
  });

  it('says what is wrong with a bad file, naming the file and the record', () => {
    expect(() => loadDnsFile(join(dir, 'missing.yaml'), offline)).toThrow(
      /cannot read the DNS file .*missing\.yaml/,
    );
    expect(() => parseDnsFile('- a\n- b\n', 'z.yaml')).toThrow(/z\.yaml: expected a map of names to records/);
    expect(() => parseDnsFile('"bad name!":\n  TXT: x\n', 'z.yaml')).toThrow(
      /"bad name!" is not a domain name/,
    );
    expect(() => parseDnsFile('a.example:\n  CNAME: b.example\n', 'z.yaml')).toThrow(
      /a\.example: record type CNAME is not one of TXT, A, AAAA, MX/,
    );
    expect(() => parseDnsFile('a.example:\n  A: 300.1.1.1\n', 'z.yaml')).toThrow(
      /A "300\.1\.1\.1": not an IPv4 address/,
    );
    expect(() => parseDnsFile('a.example:\n  MX: mx.example\n', 'z.yaml')).toThrow(
      /expected "<preference> <host>"/,
    );
    expect(() => parseDnsFile('a.example: v=spf1\n', 'z.yaml')).toThrow(/expected record types/);
    expect(() => parseDnsFile('a: [', 'z.yaml')).toThrow(/z\.yaml: not YAML/);
    expect(() => parseDnsFile('a.example:\n  TXT: one\nA.EXAMPLE.:\n  A: 192.0.2.1\n', 'z.yaml')).toThrow(
      /A\.EXAMPLE\.: the name a\.example is listed twice/,
    );
    expect(() => parseDnsFile('a.example:\n  TXT: one\n  txt: two\n', 'z.yaml')).toThrow(
      /TXT is listed twice/,
    );
    expect(() => parseDnsFile('a.example:\n  TXT: {x: 1}\n', 'z.yaml')).toThrow(/each value must be text/);
    expect(() => parseDnsFile('a.example:\n  MX: 99999 mx.example\n', 'z.yaml')).toThrow(/at most 65535/);
  });
});

describe('the local gateway with a DNS file', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ authResolver: loadDnsFile(file('gateway.yaml', ZONE), offline) });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('passes SPF and DMARC for a sender the file describes, so DMARC_PASS counts', async () => {
    const id = await gw.send(
      rfc822(
        {
          From: 'news@partner.example.org',
          To: 'a@example.com',
          Subject: 'dns file',
          'Message-ID': '<dns-1@x>',
        },
        'hello\n',
      ),
      { from: 'news@partner.example.org', to: ['a@example.com'] },
    );
    const record = await gw.waitForState(id, ['delivered', 'quarantined']);
    expect(record.scan?.reasons.map((r) => r.id)).toContain('DMARC_PASS');
    const copy = await gw.sink?.waitFor((m) => m.raw.includes(Buffer.from('<dns-1@x>')));
    expect(copy?.raw.toString('utf8')).toMatch(/spf=pass[^;]*smtp\.mailfrom=news@partner\.example\.org/);
  });
});
