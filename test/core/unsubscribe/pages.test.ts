import { describe, expect, it } from 'vitest';
import {
  confirmationPage,
  inProgressPage,
  successPage,
  unablePage,
} from '../../../functions/core/unsubscribe/pages.ts';
import type { UnsubscribeRequest } from '../../../functions/core/unsubscribe/request.ts';

const branding = { organisation: 'Example Corp' };

const request = (subject: string): UnsubscribeRequest =>
  ({
    requestId: 'r1',
    messageId: 'm1',
    recipient: 'bob@example.com',
    envelopeFrom: 'news@shop.example.net',
    from: 'news@shop.example.net',
    subject,
    attempts: [],
  }) as unknown as UnsubscribeRequest;

describe('the confirmation page', () => {
  it("quotes the sender's subject, cut short and escaped, so it cannot pass for our own text", () => {
    const hostile = `Newsletter</strong> IMPORTANT from Example Corp IT: your mailbox password expires today. Re-validate at https://example-corp-login.evil.example/ ${'now '.repeat(40)}`;
    const html = confirmationPage(branding, request(hostile), '/u/x').html;
    expect(html).toContain(
      'like the message with the subject “Newsletter&#60;/strong&#62; IMPORTANT from Example Corp IT',
    );
    expect(html).not.toContain('example-corp-login.evil.example');
    expect(html).toMatch(/subject “[^”]{1,100}…”\?/);
    expect(confirmationPage(branding, request(''), '/u/x').html).toContain('“(no subject)”');
  });

  it('cuts the subject between characters, not inside one', () => {
    const html = confirmationPage(branding, request(`${'x'.repeat(79)}😀 and more`), '/u/x').html;
    expect(html).toContain(`“${'x'.repeat(79)}😀…”`);
  });
});

describe('the result page', () => {
  it('names the address an unsubscribe mail went to, which is not the From', () => {
    const done = {
      ...request('Deals'),
      attempts: [
        {
          at: '2026-11-25T10:00:00Z',
          method: 'MAILTO',
          uri: 'mailto:unsub%2B7@shop.example.net?subject=x',
          outcome: 'succeeded',
          detail: 'sent',
        },
      ],
    } as unknown as UnsubscribeRequest;
    const html = successPage(branding, done).html;
    expect(html).toContain('<h1>Unsubscribe request sent</h1>');
    expect(html).toContain('(to <strong>unsub+7@shop.example.net</strong>)');
  });

  const blockedThenMail = (): UnsubscribeRequest =>
    ({
      ...request('Deals'),
      retryUntil: '2026-11-25T14:00:00.000Z',
      attempts: [
        {
          at: '2026-11-25T10:00:00Z',
          method: 'GET',
          uri: 'https://shop.example.net/u',
          outcome: 'refused',
          detail:
            'The unsubscribe link led to a cloud metadata service, a classic attack on servers. (at http://169.254.169.254/)',
        },
        {
          at: '2026-11-25T10:00:01Z',
          method: 'MAILTO',
          uri: 'mailto:unsub@shop.example.net',
          outcome: 'failed',
          detail: 'sending failed: Throttling',
        },
      ],
    }) as unknown as UnsubscribeRequest;

  it('in progress after a blocked link and a mail not sent yet: says both, not that the sender failed', () => {
    const html = inProgressPage(branding, blockedThenMail(), '/u/x/status').html;
    expect(html).toContain(
      'The unsubscribe mail that the message asks for could not be sent yet. We keep trying until 2026-11-25 14:00 UTC.',
    );
    expect(html).not.toContain("The sender's unsubscribe service has not accepted");
    expect(html).toContain('<li><strong>The unsubscribe link led to a cloud metadata service');
  });

  it('unable: names what failed and the blocked link, never offering the blocked one', () => {
    const html = unablePage(branding, blockedThenMail()).html;
    expect(html).toContain(': the unsubscribe mail could not be sent.</p>');
    expect(html).toContain('The unsubscribe link led to a cloud metadata service');
    expect(html).not.toContain('<code>');
  });
});
