import { describe, expect, it } from 'vitest';
import {
  categoryFromSubject,
  decideMailbox,
  type MailboxInput,
} from '../../../functions/core/submissions/mailbox.ts';

const base: MailboxInput = {
  mailbox: { address: 'report@example.com' },
  ownDomains: ['example.com'],
  envelopeFrom: 'alice@example.com',
  from: 'alice@example.com',
  spf: 'PASS',
  dmarc: 'PASS',
  subject: 'not spam',
  attached: 1,
};

describe('categoryFromSubject', () => {
  it('reads the category the user typed at the start of the subject only', () => {
    expect(categoryFromSubject('spam')).toBe('missed-spam');
    expect(categoryFromSubject('Not Spam: Fwd: invoice')).toBe('not-spam');
    expect(categoryFromSubject('[phishing] Fwd: your account')).toBe('missed-phishing');
    expect(categoryFromSubject('Newsletter')).toBe('missed-marketing');
    expect(categoryFromSubject('not marketing')).toBe('not-marketing');
    expect(categoryFromSubject('false positive')).toBe('not-spam');
    expect(categoryFromSubject('Fwd: Cheap spam filter offer')).toBeUndefined();
    expect(categoryFromSubject('spammy')).toBeUndefined();
  });
});

describe('decideMailbox', () => {
  it('accepts an authenticated sender of ours, naming the identity that was verified', () => {
    expect(decideMailbox(base)).toEqual({
      accept: true,
      category: 'not-spam',
      submittedBy: 'alice@example.com',
    });
    expect(decideMailbox({ ...base, envelopeFrom: 'bounces@mail.example.com', dmarc: 'FAIL' })).toMatchObject(
      {
        accept: true,
        submittedBy: 'bounces@mail.example.com',
      },
    );
    expect(
      decideMailbox({
        ...base,
        mailbox: { address: 'spam@example.com', category: 'missed-spam' },
        subject: 'Fwd: hi',
      }),
    ).toMatchObject({
      accept: true,
      category: 'missed-spam',
    });
  });

  it('refuses outsiders, forged and unauthenticated senders, bounces, and mail with nothing to file', () => {
    const reason = (input: Partial<MailboxInput>) => {
      const decision = decideMailbox({ ...base, ...input });
      return decision.accept ? 'accepted' : decision.reason;
    };
    expect(reason({ envelopeFrom: 'x@other.example' })).toMatch(/is not in the organisation's domains/);
    expect(reason({ from: 'x@other.example' })).toMatch(/From x@other.example\) is not in/);
    expect(reason({ envelopeFrom: 'x@badexample.com', from: 'x@badexample.com' })).toMatch(
      /not in the organisation/,
    );
    expect(reason({ spf: 'FAIL', dmarc: undefined })).toBe(
      'the sender is not authenticated (SPF FAIL, DMARC not checked): anyone can write our domain',
    );
    expect(reason({ envelopeFrom: '' })).toMatch(/no return path/);
    expect(reason({ subject: 'Fwd: look at this' })).toMatch(/the subject names no category/);
    expect(reason({ attached: 0 })).toBe('no message is attached: forward the message as an attachment');
  });
});
