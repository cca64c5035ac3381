import { describe, expect, it } from 'vitest';
import { renderUnsubscribeBanner } from '../../../functions/core/unsubscribe/banner.ts';

describe('the safe-unsubscribe banner', () => {
  it("pins with inline !important what a sender's style sheet would use to hide it, in short lines", () => {
    const { html } = renderUnsubscribeBanner({
      url: `https://unsubscribe.mail.example.com/u/${'t'.repeat(200)}`,
      organisation: 'Example Corporation International IT Services',
    });
    const [box, button] = [...html.matchAll(/style="([^"]*)"/g)].map((m) => m[1] ?? '');
    for (const style of [box, button]) {
      for (const pinned of [
        'visibility:visible!important',
        'opacity:1!important',
        'position:static!important',
        'transform:none!important',
        'max-height:none!important',
        'overflow:visible!important',
      ]) {
        expect(style).toContain(pinned);
      }
    }
    expect(box).toContain('display:block!important');
    expect(box).toContain('height:auto!important');
    expect(box).toContain('color:#1f2933!important');
    expect(box).toContain('font-size:14px!important');
    expect(button).toContain('display:inline-block!important');
    expect(button).toContain('color:#ffffff!important');
    // RFC 5322 §2.1.1: a line longer than 998 characters would force the part to be re-encoded.
    for (const line of html.split('\n')) expect(line.length).toBeLessThan(400);
  });

  it('escapes the organisation and the message, and refuses a URL that is not http(s)', () => {
    const { html, text } = renderUnsubscribeBanner({
      url: 'https://u.example.com/u/t',
      organisation: '<b>Corp</b>',
      message: 'Stop "this"\r\nnow',
    });
    expect(html).toContain('<strong>&#60;b&#62;Corp&#60;/b&#62;:</strong>');
    expect(text).toBe('[<b>Corp</b>] Stop "this" now\nUnsubscribe: https://u.example.com/u/t');
    expect(() => renderUnsubscribeBanner({ url: 'javascript:alert(1)', organisation: 'X' })).toThrow(
      RangeError,
    );
  });
});
