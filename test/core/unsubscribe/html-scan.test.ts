import { describe, expect, it } from 'vitest';
import {
  decodeHtmlEntities,
  escapeHtml,
  type HtmlStartTag,
  scanHtml,
} from '../../../functions/core/unsubscribe/html-scan.ts';

function startTags(html: string): HtmlStartTag[] {
  const tags: HtmlStartTag[] = [];
  scanHtml(html, { startTag: (tag) => tags.push(tag) });
  return tags;
}

describe('scanHtml', () => {
  it('reads tags, attributes in all three quoting styles and their offsets', () => {
    // Prepare
    const html = `<A HREF="https://e.example/?a=1&amp;b=2" class='x y' data-x=plain checked>text</A>`;

    // Act
    const [anchor] = startTags(html);

    // Assess
    expect(anchor?.name).toBe('a');
    expect(anchor?.attributes.map((a) => [a.name, html.slice(a.valueStart, a.valueEnd)])).toEqual([
      ['href', 'https://e.example/?a=1&amp;b=2'],
      ['class', 'x y'],
      ['data-x', 'plain'],
      ['checked', ''],
    ]);
    expect(html.slice(anchor?.start, anchor?.end)).toBe(html.slice(0, html.indexOf('text')));
  });

  it('does not see tags inside comments, scripts, styles, titles or textareas', () => {
    const html =
      '<!-- <body class="c"> --><script>document.write("<body>")</script><style>x{}</style>' +
      '<title><body></title><textarea><body></textarea><!--><body id="real">';
    const bodies = startTags(html).filter((t) => t.name === 'body');
    expect(bodies).toHaveLength(1);
    expect(html.slice(bodies[0]?.start, bodies[0]?.end)).toBe('<body id="real">');
  });

  it('keeps a `>` inside a quoted attribute value within the tag', () => {
    const [tag] = startTags('<a title="a > b" href="x">');
    expect(tag?.attributes.map((a) => a.name)).toEqual(['title', 'href']);
  });

  it('drops a tag cut by the end of input (unclosed quote), as a browser does', () => {
    expect(startTags('<p>ok</p><a href="https://e.example/never-closed>rest of text')).toHaveLength(1);
  });

  it('treats a lone < as text and closes comments with --!>', () => {
    const text: string[] = [];
    const html = 'a < b <!-- x --!> c';
    scanHtml(html, { text: (s, e) => text.push(html.slice(s, e)) });
    expect(text.join('')).toBe('a < b  c');
  });

  it('stays linear on hostile input', () => {
    const inputs = [
      '<'.repeat(2_000_000),
      '<a '.repeat(500_000),
      `<a title="${'x'.repeat(2_000_000)}`,
      '<!--'.repeat(500_000),
      `<script>${'</scrip'.repeat(300_000)}`,
      `<a ${'b='.repeat(500_000)}>`,
      `${'<a href="x">'.repeat(200_000)}`,
    ];
    for (const html of inputs) {
      const started = performance.now();
      let count = 0;
      scanHtml(html, { startTag: () => count++, text: () => count++ });
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});

describe('decodeHtmlEntities and escapeHtml', () => {
  it('decodes named and numeric references and leaves unknown ones', () => {
    expect(decodeHtmlEntities('a&amp;b&#x3C;&#62;&nbsp;&bogus;&constructor;&#0;')).toBe(
      'a&b<>\u00a0&bogus;&constructor;\ufffd',
    );
  });

  it('escapes everything that could end an attribute or open a tag', () => {
    expect(escapeHtml(`"'><script>&`)).toBe('&#34;&#39;&#62;&#60;script&#62;&#38;');
  });
});
