import { describe, expect, it } from 'vitest';
import { readHtml } from '../../../../functions/core/mime/html-text.ts';

describe('readHtml', () => {
  it('keeps the visible text, drops script, style and comments, decodes common entities', () => {
    // Act
    const reading = readHtml(
      '<html><head><title>T</title><style>p{color:red}</style><script>var a = "<p>";</script></head>' +
        '<body><p>Fish &amp; chips &#65;&#x42; &lt;3</p><!-- hidden --><a href="http://x.example/a">link</a></body></html>',
    );
    // Assess
    expect(reading.text.replace(/\s+/g, ' ').trim()).toBe('Fish & chips AB <3 link');
    expect([...reading.tags]).toEqual(expect.arrayContaining(['html', 'body', 'p', 'a', 'script', 'style']));
    expect(reading.urls).toEqual(['http://x.example/a']);
    expect(reading.comments).toBe(1);
    expect(reading.numericEntities).toBe(2);
  });

  it('treats a lone "<" as text and ignores entity names that are not entities', () => {
    const reading = readHtml('a < b &constructor; &__proto__; &#xD800; c');
    expect(reading.text).toBe('a < b &constructor; &__proto__;   c');
  });

  it('reads at most maxChars and says it cut', () => {
    const reading = readHtml(`<p>${'word '.repeat(1000)}</p>`, 100);
    expect(reading.truncated).toBe(true);
    expect(reading.text.length).toBeLessThanOrEqual(100);
  });

  it('finishes on hostile input: unclosed comments, tags, quotes and script', () => {
    for (const html of [
      '<!--',
      '<script>',
      '<a href="',
      '<div'.repeat(100_000),
      '<![CDATA['.repeat(10_000),
    ]) {
      expect(typeof readHtml(html).text).toBe('string');
    }
  });
});
