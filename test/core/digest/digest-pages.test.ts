import { describe, expect, it } from 'vitest';
import { confirmActionPage } from '../../../functions/core/digest/pages.ts';

describe('the release confirmation page of a digest link', () => {
  it('marks a sender neither SPF nor DMARC vouched for, where the user decides', () => {
    const entry = {
      messageId: 'm1',
      sender: 'it@evil-x.test',
      subject: 'Password expiry',
      quarantinedAt: '2026-11-25T10:00:00.000Z',
      why: 'Its wording reads like spam',
      unverified: true,
    };
    const page = confirmActionPage({ organisation: 'Example Corp' }, entry, 'release', '/q/t/release/m1');
    expect(page.html).toContain('from it@evil-x.test (sender not verified) to your mailbox?');
    const verified = confirmActionPage(
      { organisation: 'Example Corp' },
      { ...entry, unverified: false },
      'release',
      '/q/t/release/m1',
    );
    expect(verified.html).toContain('from it@evil-x.test to your mailbox?');
  });
});
