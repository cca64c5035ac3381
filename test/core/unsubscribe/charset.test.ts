import { describe, expect, it } from 'vitest';
import {
  canEncode,
  decodeCharset,
  encodeCharset,
  readCharset,
  toCharsetSafeHtml,
} from '../../../functions/core/unsubscribe/charset.ts';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('the charsets marketing mail is written in', () => {
  it.each([
    'windows-1251',
    'CP1250',
    'iso-8859-2',
    'ISO_8859-15',
    'latin9',
    'koi8-r',
    'iso-8859-9',
    'windows-1256',
  ])('%s round-trips every byte it defines', (label) => {
    const charset = readCharset(label);
    expect(charset).toBeDefined();
    if (!charset) return;
    const text = decodeCharset(allBytes, charset);
    expect(text).toBeDefined();
    expect(Buffer.from(encodeCharset(text as string, charset)).equals(Buffer.from(allBytes))).toBe(true);
  });

  it('reads Cyrillic as Cyrillic and writes what it lacks as HTML references', () => {
    const charset = readCharset('windows-1251');
    if (!charset) throw new Error('windows-1251 unsupported');
    const privet = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]);
    expect(decodeCharset(privet, charset)).toBe('Привет');
    expect(canEncode('€'.codePointAt(0) as number, charset)).toBe(true);
    expect(toCharsetSafeHtml('Ж ü 你', charset)).toBe('Ж &#252; &#20320;');
  });

  it('leaves text alone when it holds a byte the charset leaves undefined', () => {
    const arabic = readCharset('iso-8859-6');
    if (!arabic) throw new Error('iso-8859-6 unsupported');
    expect(decodeCharset(Uint8Array.of(0x41, 0xa1), arabic)).toBeUndefined();
  });

  it('knows nothing of multi-byte or unknown charsets, nor of ISO-8859-12', () => {
    for (const label of ['iso-2022-jp', 'shift_jis', 'utf-16', 'iso-8859-12', 'x-unknown'])
      expect(readCharset(label)).toBeUndefined();
  });
});
