import { describe, expect, it } from 'vitest';
import {
  findBodyUnsubscribeLinks,
  findHtmlAnchors,
  findTextUnsubscribeLinks,
  isUnsubscribeAnchor,
} from '../../../functions/core/unsubscribe/body-links.ts';

describe('findBodyUnsubscribeLinks in HTML', () => {
  it('finds anchors whose text says unsubscribe or opt out, not a preference page', () => {
    // Prepare
    const html = `
      <p>Great deals this week! <a href="https://shop.example.com/sale">Shop now</a></p>
      <p><a href="https://esp.example.net/c/8f2a">Unsubscribe</a> |
         <a href='https://esp.example.net/p/8f2a'>Manage   preferences</a> |
         <a href=https://esp.example.net/o/8f2a>Opt out</a></p>`;

    // Act
    const links = findBodyUnsubscribeLinks({ html });

    // Assess
    // "Manage preferences" opens a page where nothing is undone by opening it.
    expect(links).toEqual(['https://esp.example.net/c/8f2a', 'https://esp.example.net/o/8f2a']);
    expect(
      findBodyUnsubscribeLinks({
        html: '<a href="https://esp.example.net/email-preferences?u=1">Update preferences</a>',
      }),
    ).toEqual([]);
    // The text says what the reader gets, whatever the path says (HubSpot's preference links).
    expect(
      findBodyUnsubscribeLinks({
        html: '<a href="https://hs.example.net/hs/manage-preferences/unsubscribe?d=1">Manage preferences</a> <a href="https://hs.example.net/hs/manage-preferences/unsubscribe-all?d=1">Unsubscribe from all</a>',
      }),
    ).toEqual(['https://hs.example.net/hs/manage-preferences/unsubscribe-all?d=1']);
  });

  it('finds anchors whose target names an unsubscribe endpoint whatever their text', () => {
    const html = '<a href="https://example.com/unsubscribe?u=1&amp;list=2"><img src="x.png"></a>';
    expect(findBodyUnsubscribeLinks({ html })).toEqual(['https://example.com/unsubscribe?u=1&list=2']);
  });

  it("resolves a relative href against the document's <base href>, as a mail reader does", () => {
    const html =
      '<html><head><base href="https://esp.example.net/lists/"></head><body><a href="unsubscribe?id=1">Unsubscribe</a> <a href="/shop">Shop</a></body></html>';
    expect(findBodyUnsubscribeLinks({ html })).toEqual(['https://esp.example.net/lists/unsubscribe?id=1']);
    expect(findHtmlAnchors(html).map((a) => a.href)).toEqual([
      'https://esp.example.net/lists/unsubscribe?id=1',
      'https://esp.example.net/shop',
    ]);
    // Without a base, a relative href leads nowhere from a mail: not a link.
    expect(findHtmlAnchors('<a href="unsubscribe?id=1">Unsubscribe</a>')).toEqual([]);
  });

  it('reads "click here" after a sentence about unsubscribing, and image alt text', () => {
    const html =
      '<p>To unsubscribe from these emails, <a href="https://example.com/x1">click here</a>.</p>' +
      '<p>For our shop, <a href="https://example.com/shop">click here</a>.</p>' +
      '<a href="https://example.com/x2"><img alt="Abmelden" src="a.png"></a>';
    expect(findBodyUnsubscribeLinks({ html })).toEqual(['https://example.com/x1', 'https://example.com/x2']);
  });

  it('ignores anchors in comments and scripts, javascript: links and links without href', () => {
    const html =
      '<!-- <a href="https://example.com/unsub-hidden">Unsubscribe</a> -->' +
      '<script>var s = "<a href=\\"https://example.com/unsub-script\\">Unsubscribe</a>";</script>' +
      '<a href="javascript:unsubscribe()">Unsubscribe</a><a name="unsubscribe">Unsubscribe</a>';
    expect(findBodyUnsubscribeLinks({ html })).toEqual([]);
  });

  it('keeps each link once and at most ten', () => {
    const html = Array.from(
      { length: 30 },
      (_, i) => `<a href="https://e.example/unsub/${i % 15}">u</a>`,
    ).join('');
    const links = findBodyUnsubscribeLinks({ html });
    expect(links).toHaveLength(10);
    expect(new Set(links).size).toBe(10);
  });
});

describe('findBodyUnsubscribeLinks in plain text', () => {
  it('finds URLs introduced as unsubscribe links on their line or the line before', () => {
    const text = [
      'Visit our shop: https://shop.example.com/spring',
      'Unsubscribe: https://esp.example.net/u/77.',
      'To stop receiving these emails, visit:',
      'https://esp.example.net/prefs/77',
      '',
      'Read online: https://news.example.com/issue/5',
    ].join('\r\n');
    expect(findBodyUnsubscribeLinks({ text })).toEqual([
      'https://esp.example.net/u/77',
      'https://esp.example.net/prefs/77',
    ]);
  });

  it('does not take a shop link for an unsubscribe link because an earlier one sits on the same line', () => {
    const text = 'Unsubscribe: https://esp.example.net/u/1  Shop: https://shop.example.com/';
    expect(findTextUnsubscribeLinks(text).map((l) => l.uri)).toEqual(['https://esp.example.net/u/1']);
  });

  it('reports offsets that point at the URL in the original text', () => {
    const text = 'Ünïcödé first. Opt out: https://example.com/o?x=1 thanks';
    const [link] = findTextUnsubscribeLinks(text);
    expect(link && text.slice(link.start, link.end)).toBe('https://example.com/o?x=1');
  });
});

describe('hostile input', () => {
  it('stays linear on megabytes of tags, unclosed anchors and long text', () => {
    const html = `${'<a href="https://e.example/x">'.repeat(20_000)}${'<p>'.repeat(100_000)}${'x'.repeat(1_000_000)}`;
    const text = `${'unsubscribe https://'.repeat(50_000)}${'http'.repeat(200_000)}`;
    const started = performance.now();
    findBodyUnsubscribeLinks({ html, text });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('classifies from the anchor it is given', () => {
    const [anchor] = findHtmlAnchors('<A HREF="https://example.com/a">Se désabonner</A>');
    expect(anchor && isUnsubscribeAnchor(anchor)).toBe(true);
  });
});
