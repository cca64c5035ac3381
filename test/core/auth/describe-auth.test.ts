import { describe, expect, it } from 'vitest';
import { describeAuth } from '../../../functions/core/auth/describe-auth.ts';

describe('describeAuth', () => {
  it('puts every check in one line, naming the domains that were checked', () => {
    expect(
      describeAuth({
        authservId: 'amazonses.com',
        spf: { result: 'pass', domain: 'mail.example.org' },
        dkim: [
          { result: 'pass', domain: 'example.org', selector: 's1' },
          { result: 'fail', domain: 'esp.example' },
        ],
        dmarc: { result: 'pass', domain: 'example.org' },
        arc: { result: 'pass' },
      }),
    ).toBe(
      'Sender authentication (amazonses.com): SPF pass for mail.example.org; DKIM pass for example.org (s1), fail for esp.example; DMARC pass for example.org; ARC pass',
    );
  });

  it('says what was not checked rather than leaving it out', () => {
    expect(describeAuth({ authservId: 'amazonses.com receipt', dkim: [] })).toBe(
      'Sender authentication (amazonses.com receipt): SPF not checked; DKIM none (unsigned); DMARC not checked',
    );
  });
});
