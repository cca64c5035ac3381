import { describe, expect, it } from 'vitest';
import { confirmActionPage, quarantineListPage } from '../../../functions/core/digest/pages.ts';

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

describe('the review page of a digest link', () => {
  it('shows when each message was held in the configured zone, with its offset', () => {
    const entry = {
      messageId: 'm1',
      sender: 'news@shop.example',
      subject: 'Fall sale',
      quarantinedAt: '2026-11-01T05:30:00.000Z',
      why: 'Its wording reads like spam',
    };
    const page = quarantineListPage(
      { organisation: 'Example Corp' },
      'dana@example.com',
      // New York's 01:30 happens twice on 2026-11-01: the offset tells the two apart.
      [entry, { ...entry, messageId: 'm2', quarantinedAt: '2026-11-01T06:30:00.000Z' }],
      '/q/t',
      'America/New_York',
    );
    expect(page.html).toContain('from news@shop.example, held 2026-11-01 01:30 UTC-04:00<br>');
    expect(page.html).toContain('from news@shop.example, held 2026-11-01 01:30 UTC-05:00<br>');
    const utc = quarantineListPage(
      { organisation: 'Example Corp' },
      'dana@example.com',
      [entry],
      '/q/t',
      'UTC',
    );
    expect(utc.html).toContain('held 2026-11-01 05:30 UTC<br>');
  });
});
