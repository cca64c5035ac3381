import { describe, expect, it } from 'vitest';
import { fromIsVouchedFor, isSenderAuthenticated } from '../../functions/app/quarantine-item.ts';

describe('whether the From a reader sees was vouched for', () => {
  it('takes the authenticated address when it is the From, or shares its domain either way', () => {
    expect(fromIsVouchedFor('news@shop.example.com', 'news@shop.example.com')).toBe(true);
    // SPF passed for a bounce domain of the same organisation (relaxed alignment, RFC 7489).
    expect(fromIsVouchedFor('b-123@bounce.shop.example.com', 'news@shop.example.com')).toBe(true);
    expect(fromIsVouchedFor('b-123@example.com', 'news@shop.EXAMPLE.com')).toBe(true);
    expect(fromIsVouchedFor('news@shop.example.com', undefined)).toBe(true);
  });

  it("does not take another domain's SPF pass for the From", () => {
    expect(fromIsVouchedFor('bounce@sendgrid.example.net', 'ceo@bank.example')).toBe(false);
    // A suffix match is a whole label, not a string tail.
    expect(fromIsVouchedFor('x@evilbank.example', 'ceo@bank.example')).toBe(false);
    expect(fromIsVouchedFor(undefined, 'ceo@bank.example')).toBe(false);
  });

  it('judges items written before the field existed from allowSender and the From', () => {
    expect(isSenderAuthenticated({ allowSender: 'a@x.example', from: 'a@x.example' })).toBe(true);
    expect(isSenderAuthenticated({ allowSender: 'bounce@esp.example', from: 'ceo@bank.example' })).toBe(
      false,
    );
    expect(isSenderAuthenticated({ from: 'ceo@bank.example' })).toBe(false);
    expect(isSenderAuthenticated({ senderAuthenticated: true, from: 'ceo@bank.example' })).toBe(true);
  });
});
