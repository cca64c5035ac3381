import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, sealMessage } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { type DnsResolver, verifyMailAuth } from '../../functions/adapters/mail-auth.ts';
import { authReasons } from '../../functions/core/auth/auth-reasons.ts';
import { readTrustedAuthResults, SES_AUTHSERV_ID } from '../../functions/core/auth/trusted-auth-results.ts';
import { prependHeaderFields, readHeaderBlock } from '../../functions/core/mime/raw-message.ts';
import { fakeDns } from '../support/fake-dns.ts';

const GATEWAY = 'inbound-smtp.graywall.local';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const dns = fakeDns({
  'sender.example TXT': 'v=spf1 ip4:198.51.100.0/24 ~all',
  'strict.example TXT': 'v=spf1 ip4:198.51.100.0/24 -all',
  'sel._domainkey.sender.example TXT': `v=DKIM1; k=rsa; p=${publicKey}`,
  '_dmarc.sender.example TXT': 'v=DMARC1; p=reject',
  'arc._domainkey.forwarder.example TXT': `v=DKIM1; k=rsa; p=${publicKey}`,
});

const message = (from = 'bob@sender.example', body = 'Hello Alice') =>
  Buffer.from(
    [
      `From: Bob <${from}>`,
      'To: alice@corp.example',
      'Subject: Lunch',
      'Date: Tue, 02 Jun 2026 10:00:00 +0000',
      'Message-ID: <1@sender.example>',
      '',
      body,
      '',
    ].join('\r\n'),
  );

async function signed(raw: Buffer): Promise<Buffer> {
  // mailauth signs what `signatureData` lists; its typings wrongly require the same fields
  // at the top level as well (where the signer ignores them).
  const options = { signatureData: [{ signingDomain: 'sender.example', selector: 'sel', privateKey }] };
  const result = await dkimSign(raw, options as unknown as Parameters<typeof dkimSign>[1]);
  expect(result.errors).toEqual([]);
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}

const verify = (raw: Buffer, ip: string, envelopeFrom = 'bob@sender.example', resolver: DnsResolver = dns) =>
  verifyMailAuth({ raw, ip, helo: 'mail.sender.example', envelopeFrom }, { authservId: GATEWAY, resolver });

describe('verifyMailAuth: SPF (RFC 7208)', () => {
  it('passes an IP the domain allows and soft-fails one it does not (~all)', async () => {
    const pass = await verify(message(), '198.51.100.7');
    expect(pass.results.spf).toEqual({ result: 'pass', domain: 'sender.example' });
    expect(pass.verdicts.spf).toBe('PASS');
    expect(pass.receivedSpf).toMatch(/^pass \(.*\) client-ip=198\.51\.100\.7;/);
    const soft = await verify(message(), '203.0.113.1');
    expect(soft.results.spf?.result).toBe('softfail');
    expect(soft.verdicts.spf).toBe('GRAY');
  });

  it('fails an IP the domain excludes with -all', async () => {
    const outcome = await verify(message('bob@strict.example'), '203.0.113.1', 'bob@strict.example');
    expect(outcome.results.spf).toEqual({ result: 'fail', domain: 'strict.example' });
    expect(outcome.verdicts.spf).toBe('FAIL');
    expect(authReasons(outcome.results).map((r) => r.id)).toContain('SPF_FAIL');
  });
});

describe('verifyMailAuth: DKIM (RFC 6376) and DMARC (RFC 7489)', () => {
  it('verifies a signed message and passes DMARC through aligned DKIM', async () => {
    const outcome = await verify(await signed(message()), '203.0.113.1');
    expect(outcome.results.dkim).toEqual([
      { result: 'pass', domain: 'sender.example', selector: 'sel', signature: expect.any(String) },
    ]);
    expect(outcome.results.dmarc).toEqual({ result: 'pass', policy: 'reject', domain: 'sender.example' });
    expect(outcome.verdicts).toMatchObject({ dkim: 'PASS', dmarc: 'PASS' });
    expect(authReasons(outcome.results).map((r) => r.id)).toEqual(['SPF_SOFTFAIL', 'DMARC_PASS']);
  });

  it('fails the signature after tampering, and DMARC with p=reject with it', async () => {
    const original = await signed(message());
    const tampered = Buffer.from(original.toString('latin1').replace('Hello Alice', 'Pay invoice'), 'latin1');
    const outcome = await verify(tampered, '203.0.113.1');
    expect(outcome.results.dkim[0]?.result).toMatch(/^(fail|neutral)$/);
    expect(outcome.results.dmarc).toEqual({ result: 'fail', policy: 'reject', domain: 'sender.example' });
    expect(outcome.verdicts).toMatchObject({ dkim: 'FAIL', dmarc: 'FAIL' });
    expect(authReasons(outcome.results).map((r) => r.id)).toEqual([
      'SPF_SOFTFAIL',
      'DKIM_INVALID',
      'DMARC_FAIL_REJECT',
    ]);
  });

  it('fails DMARC with p=reject for an unsigned message from a disallowed IP', async () => {
    const outcome = await verify(message(), '203.0.113.1');
    expect(outcome.results.dkim).toEqual([]);
    expect(outcome.results.dmarc?.result).toBe('fail');
    expect(outcome.authenticationResults).toMatch(
      /^inbound-smtp\.graywall\.local; dkim=none \(message not signed\); spf=softfail .*; dmarc=fail /,
    );
  });
});

describe('verifyMailAuth: ARC (RFC 8617)', () => {
  it('passes an intact chain and fails one whose sealed message was altered', async () => {
    const raw = message();
    const seal = await sealMessage(raw, {
      signingDomain: 'forwarder.example',
      selector: 'arc',
      privateKey,
      authResults: 'mx.forwarder.example; spf=pass smtp.mailfrom=bob@sender.example',
      cv: 'none',
    });
    const sealed = Buffer.concat([seal, raw]);
    expect((await verify(sealed, '198.51.100.7')).results.arc).toEqual({ result: 'pass' });
    const altered = Buffer.from(sealed.toString('latin1').replace('Hello Alice', 'Hello Mallory'), 'latin1');
    const outcome = await verify(altered, '198.51.100.7');
    expect(outcome.results.arc).toEqual({ result: 'fail' });
    expect(outcome.verdicts.arc).toBe('FAIL');
  });
});

describe('verifyMailAuth: the header the local gateway prepends', () => {
  it('is read back as trusted, while a forged copy below it is ignored', async () => {
    const forged = Buffer.concat([
      Buffer.from(
        `Authentication-Results: ${GATEWAY}; spf=pass; dkim=pass header.d=sender.example; dmarc=pass\r\n`,
      ),
      message(),
    ]);
    const outcome = await verify(forged, '203.0.113.1');
    const stored = prependHeaderFields(forged, [
      ['Return-Path', '<bob@sender.example>'],
      ['Received', `from m (m [203.0.113.1]) by ${GATEWAY} with SMTP id 1; Tue, 02 Jun 2026 10:30:07 +0000`],
      ['Received-SPF', outcome.receivedSpf ?? ''],
      ['Authentication-Results', outcome.authenticationResults],
    ]);
    const results = readTrustedAuthResults(readHeaderBlock(stored), [SES_AUTHSERV_ID, GATEWAY]);
    expect(results).toEqual(outcome.results);
    expect(results?.dmarc?.result).toBe('fail');
  });
});

describe('verifyMailAuth: DNS trouble', () => {
  it('turns a resolver that never answers into temperror within the time limits', async () => {
    const silent: DnsResolver = () => new Promise(() => {});
    const started = Date.now();
    const outcome = await verifyMailAuth(
      { raw: message(), ip: '198.51.100.7', helo: 'mail.sender.example', envelopeFrom: 'bob@sender.example' },
      { authservId: GATEWAY, resolver: silent, queryTimeoutMs: 50, totalTimeoutMs: 200 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outcome.results.spf?.result).toBe('temperror');
    expect(outcome.verdicts.spf).toBe('PROCESSING_FAILED');
    expect(authReasons(outcome.results).map((r) => r.id)).toEqual([]);
  });
});
