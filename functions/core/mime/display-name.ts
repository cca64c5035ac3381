/**
 * A display name for a header we write (`From: <name> <address>`). Printable ASCII goes in as
 * an RFC 5322 quoted-string; anything else as RFC 2047 encoded-words (UTF-8, base64), since
 * our headers are written as latin1 bytes, which hold no character above U+00FF (and a
 * U+010A would be written as a line feed). Each encoded-word stays within RFC 2047 §2's 75
 * characters and holds whole characters (§5): a word never ends inside a UTF-8 sequence.
 */
export function displayName(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what goes
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean.replace(/(["\\])/g, '\\$1')}"`;
  const words: string[] = [];
  let chunk = '';
  for (const character of clean) {
    // 45 bytes encode to 60 base64 characters: with "=?UTF-8?B?" and "?=", 72 in all.
    if (Buffer.byteLength(chunk + character, 'utf8') > 45) {
      words.push(encodedWord(chunk));
      chunk = '';
    }
    chunk += character;
  }
  if (chunk) words.push(encodedWord(chunk));
  return words.join(' ');
}

function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}
