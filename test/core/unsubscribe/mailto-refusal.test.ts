import { describe, expect, it } from 'vitest';
import { mailtoRefusal } from '../../../functions/core/unsubscribe/request.ts';

describe('mailtoRefusal: where an unsubscribe mail in the reader’s name may go', () => {
  it("goes to the verified sender's domain or a subdomain of it", () => {
    expect(
      mailtoRefusal({ verifiedSender: 'news@shop.example.com' }, 'leave@lists.shop.example.com'),
    ).toBeUndefined();
    expect(
      mailtoRefusal({ verifiedSender: 'b-1@bounce.shop.example.com' }, 'leave@shop.example.com'),
    ).toBeUndefined();
  });

  it('goes nowhere else, and nowhere for an unverified sender', () => {
    expect(mailtoRefusal({ verifiedSender: 'news@shop.example.com' }, 'cfo@partner.example.net')?.code).toBe(
      'MAILTO_OTHER_DOMAIN',
    );
    expect(mailtoRefusal({}, 'leave@shop.example.com')?.code).toBe('MAILTO_SENDER_NOT_VERIFIED');
  });

  it('at a shared mail service, goes to the sender’s own address only, not to another user there', () => {
    expect(mailtoRefusal({ verifiedSender: 'club.news@gmail.com' }, 'Club.News@gmail.com')).toBeUndefined();
    expect(mailtoRefusal({ verifiedSender: 'club.news@gmail.com' }, 'ceo.victim@gmail.com')?.code).toBe(
      'MAILTO_OTHER_DOMAIN',
    );
  });
});
