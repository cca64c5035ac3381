import { describe, expect, it } from 'vitest';
import { confirmationPage, successPage } from '../../../functions/core/unsubscribe/pages.ts';
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
});
