import { describe, expect, it } from 'vitest';
import {
  findHiddenText,
  MAX_PREHEADER_CHARS,
  parseColour,
} from '../../../../functions/core/scan/rules/support/hidden-text.ts';

const PADDING = 'innocent words about gardening and weather';

describe('findHiddenText: text a reader cannot see, read as a browser paints it', () => {
  it.each([
    [
      'white font on the page',
      `<body><font color="#ffffff">${PADDING}</font><p>Buy now</p></body>`,
      'text #ffffff on the page',
    ],
    [
      'white text on a white body',
      `<body text="white" bgcolor="white">${PADDING}</body>`,
      'text #ffffff on #ffffff',
    ],
    [
      'near-white CSS on a white cell',
      `<td style="background-color:#fff"><span style="color: #FAFAFA">${PADDING}</span></td>`,
      'text #fafafa on #ffffff',
    ],
    [
      'black on black',
      `<div style="background:#000"><p style="color:rgb(3,3,3)">${PADDING}</p></div>`,
      'text #030303 on #000000',
    ],
    [
      'display:none after visible text',
      `<p>Hello there</p><div style="display: none !important">${PADDING}</div>`,
      'display:none',
    ],
    [
      'visibility:hidden',
      `<p>Hello there</p><span style="visibility:hidden">${PADDING}</span>`,
      'visibility:hidden',
    ],
    ['a one-pixel font', `<p>Hello there</p><span style="font-size:1px">${PADDING}</span>`, 'tiny font'],
    ['opacity 0', `<p>Hello there</p><span style="opacity:0">${PADDING}</span>`, 'opacity:0'],
    ['the hidden attribute', `<p>Hello there</p><div hidden>${PADDING}</div>`, 'hidden attribute'],
  ])('finds %s', (_, html, why) => {
    const found = findHiddenText(html.toLowerCase());
    expect(found?.evidence).toContain(why);
    expect(found?.chars).toBe(PADDING.replace(/\s/g, '').length);
  });

  it.each([
    [
      'white text on a coloured button',
      `<table><tr><td bgcolor="#1a73e8"><a style="color:#fff">${PADDING}</a></td></tr></table>`,
    ],
    [
      'white on black',
      `<table bgcolor="black"><tr><td><font color="white">${PADDING}</font></td></tr></table>`,
    ],
    ['white text on a picture', `<td background="hero.jpg"><font color="#ffffff">${PADDING}</font></td>`],
    [
      'white text on a CSS picture',
      `<div style="background: #fff url(hero.jpg)"><p style="color:#fff">${PADDING}</p></div>`,
    ],
    [
      'a hidden preview line before the text',
      `<div style="display:none;max-height:0">Your weekly digest: ten new posts</div><p>${PADDING}</p>`,
    ],
    [
      'a font-size:0 cell whose blocks set their own size',
      `<td style="font-size:0"><div style="font-size:16px">${PADDING}</div></td>`,
    ],
    [
      'a visible child of visibility:hidden',
      `<div style="visibility:hidden"><p style="visibility:visible">${PADDING}</p></div>`,
    ],
    ['a hidden spacer', '<p>Hello there</p><span style="display:none">&nbsp;x&nbsp;</span>'],
    [
      'hidden text inside a comment or a style sheet',
      `<style>.x{color:#fff}</style><!-- <font color=white>${PADDING}</font> --><p>Hi</p>`,
    ],
    ['white text after its element closed', `<font color="#ffffff">ok</font><p>${PADDING}</p>`],
  ])('does not count %s', (_, html) => {
    expect(findHiddenText(html.toLowerCase())).toBeUndefined();
  });

  it('counts a long hidden block before the text: too long for a preview line', () => {
    const long = 'word '.repeat(MAX_PREHEADER_CHARS / 2);
    expect(findHiddenText(`<div style="display:none">${long}</div><p>Hello</p>`)?.evidence).toContain(
      'display:none',
    );
  });

  it('closes a cell at the next cell, as a browser does, but not a cell of an outer table', () => {
    const nextCell = `<table><tr><td bgcolor="#000">dark cell<td><font color="#fff">${PADDING}</font></table>`;
    expect(findHiddenText(nextCell)?.evidence).toContain('text #ffffff on the page');
    const innerTable = `<table><tr><td bgcolor="#000"><table><tr><td>x<td><font color="#fff">${PADDING}</font></table></table>`;
    expect(findHiddenText(innerTable)).toBeUndefined();
  });

  // A quadratic walk would run past the test's time limit on these.
  it('reads hostile nesting and unclosed tags', () => {
    const deep = `${'<div style="color:#fff">'.repeat(50_000)}${PADDING}`;
    expect(findHiddenText(deep)?.evidence).toContain('text #ffffff');
    expect(findHiddenText('<font color="#fff"'.repeat(20_000))).toBeUndefined();
  });

  it('parses the colour forms mail uses', () => {
    expect(parseColour('#fff')).toEqual([255, 255, 255]);
    expect(parseColour('ffffff')).toEqual([255, 255, 255]);
    expect(parseColour('rgb(10, 20, 300)')).toEqual([10, 20, 255]);
    expect(parseColour('rgba(0,0,0,0)')).toBeUndefined();
    expect(parseColour('whitesmoke')).toEqual([245, 245, 245]);
    expect(parseColour('transparent')).toBeUndefined();
  });
});
