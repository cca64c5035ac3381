import { describe, expect, it } from 'vitest';
import {
  readTrustedAuthResults,
  SES_AUTHSERV_ID,
} from '../../../functions/core/auth/trusted-auth-results.ts';
import { readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';

const GATEWAY = 'inbound-smtp.graywall.local';
const TRUSTED = [SES_AUTHSERV_ID, GATEWAY];

const stored = (lines: readonly string[]) =>
  readHeaderBlock(Buffer.from(`${lines.join('\r\n')}\r\n\r\nbody\r\n`));

/** The block SES prepends on receipt, then the sender's message. */
const sesBlock = (
  authResults: string,
  receivedSpf = 'fail (spfCheck: domain of forger.example does not designate 203.0.113.5 as permitted sender) client-ip=203.0.113.5; envelope-from=bob@forger.example; helo=x;',
) => [
  'Return-Path: <bob@forger.example>',
  'Received: from x (x [203.0.113.5]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id q1 for a@corp.example; Tue, 02 Jun 2026 10:30:07 +0000',
  'X-SES-Spam-Verdict: PASS',
  'X-SES-Virus-Verdict: PASS',
  `Received-SPF: ${receivedSpf}`,
  `Authentication-Results: ${authResults}`,
  'X-SES-RECEIPT: AEFBQUFBQUFBQUFG',
];

describe('readTrustedAuthResults', () => {
  it("reads SES's field", () => {
    const header = stored([
      ...sesBlock(
        'amazonses.com; spf=fail smtp.mailfrom=bob@forger.example; dkim=none; dmarc=fail header.from=bank.example;',
      ),
      'From: <ceo@bank.example>',
    ]);
    expect(readTrustedAuthResults(header, TRUSTED)).toEqual({
      authservId: 'amazonses.com',
      spf: { result: 'fail', domain: 'forger.example' },
      dkim: [],
      dmarc: { result: 'fail', domain: 'bank.example' },
    });
  });

  it('ignores forged copies further down, even with a trusted authserv-id', () => {
    const header = stored([
      ...sesBlock(
        'amazonses.com; spf=fail smtp.mailfrom=bob@forger.example; dmarc=fail header.from=bank.example',
      ),
      'Authentication-Results: amazonses.com; spf=pass; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example',
      'Received: from forger (forger [203.0.113.5]) by forger.example; Tue, 02 Jun 2026 10:30:00 +0000',
      `Authentication-Results: ${GATEWAY}; dmarc=pass header.from=bank.example`,
      'From: <ceo@bank.example>',
    ]);
    const results = readTrustedAuthResults(header, TRUSTED);
    expect(results?.spf?.result).toBe('fail');
    expect(results?.dmarc?.result).toBe('fail');
    expect(results?.dkim).toEqual([]);
  });

  it("completes SES's spf entry with the domain its Received-SPF names", () => {
    const header = stored(
      sesBlock(
        'amazonses.com; spf=fail (spfCheck: domain of forger.example does not designate 203.0.113.5 as permitted sender) client-ip=203.0.113.5; envelope-from=bob@forger.example; helo=x; dkim=none; dmarc=none header.from=forger.example;',
      ),
    );
    expect(readTrustedAuthResults(header, TRUSTED)).toEqual({
      authservId: 'amazonses.com',
      spf: { result: 'fail', domain: 'forger.example' },
      dkim: [],
      dmarc: { result: 'none', domain: 'forger.example' },
    });
  });

  it('takes nothing from below the previous hop, and nothing from an untrusted authserv-id', () => {
    const header = stored([
      'Received: from relay (relay [192.0.2.1]) by inbound-smtp.eu-west-1.amazonaws.com; Tue, 02 Jun 2026 10:30:07 +0000',
      'Authentication-Results: mx.other.example; dmarc=pass header.from=bank.example',
      'Received: from forger (forger [203.0.113.5]) by relay; Tue, 02 Jun 2026 10:30:00 +0000',
      'Authentication-Results: amazonses.com; dmarc=pass header.from=bank.example',
      'Received-SPF: pass client-ip=203.0.113.5; envelope-from=a@bank.example',
    ]);
    expect(readTrustedAuthResults(header, TRUSTED)).toBeUndefined();
  });

  it('fills SPF from the top-most Received-SPF when the trusted field has none', () => {
    const header = stored(sesBlock('amazonses.com; dkim=pass header.i=@forger.example'));
    expect(readTrustedAuthResults(header, TRUSTED)).toEqual({
      authservId: 'amazonses.com',
      spf: { result: 'fail', domain: 'forger.example' },
      dkim: [{ result: 'pass', domain: 'forger.example' }],
    });
    const spfOnly = stored([
      'Received: from x (x [203.0.113.5]) by inbound-smtp.eu-west-1.amazonaws.com; Tue, 02 Jun 2026 10:30:07 +0000',
      'Received-SPF: softfail (spfCheck: no) client-ip=203.0.113.5; envelope-from=a@forger.example',
      'Received-SPF: pass client-ip=203.0.113.5; envelope-from=a@forger.example',
    ]);
    expect(readTrustedAuthResults(spfOnly, TRUSTED)).toEqual({
      authservId: 'received-spf',
      spf: { result: 'softfail', domain: 'forger.example' },
      dkim: [],
    });
  });

  it('reads the local gateway field by its own authserv-id', () => {
    const header = stored([
      'Return-Path: <bob@sender.example>',
      'Received: from m (m [198.51.100.7]) by inbound-smtp.graywall.local with SMTP id 1; Tue, 02 Jun 2026 10:30:07 +0000',
      `Authentication-Results: ${GATEWAY}; dmarc=fail policy.dmarc=quarantine header.from=sender.example`,
    ]);
    expect(readTrustedAuthResults(header, TRUSTED)?.dmarc).toEqual({
      result: 'fail',
      policy: 'quarantine',
      domain: 'sender.example',
    });
    expect(readTrustedAuthResults(header, [SES_AUTHSERV_ID])).toBeUndefined();
  });
});
