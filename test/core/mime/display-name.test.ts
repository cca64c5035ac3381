import { describe, expect, it } from 'vitest';
import { displayName } from '../../../functions/core/mime/display-name.ts';
import { formatHeaderField } from '../../../functions/core/mime/raw-message.ts';
import { parse } from '../../support/parsed.ts';

describe('displayName', () => {
  it('quotes printable ASCII, escaping quotes and backslashes', () => {
    expect(displayName('Example Corp Quarantine')).toBe('"Example Corp Quarantine"');
    expect(displayName('A "B" \\ C')).toBe('"A \\"B\\" \\\\ C"');
  });

  it('writes other text as UTF-8 encoded-words that mail programs read back, never a line break', async () => {
    // U+010A (Maltese Ċ) would be written as a line feed if it went in as latin1.
    const name = 'Ċentru Ħal Għargħur Ż-Żejtun Société Łódź 東京 😀 Quarantine'.repeat(2);
    const field = formatHeaderField('From', `${displayName(name)} <q@example.com>`);
    expect(field).toMatch(/^[\x20-\x7e\r\n]+$/);
    for (const word of field.match(/=\?[^?]+\?B\?[^?]*\?=/g) ?? [])
      expect(word.length).toBeLessThanOrEqual(75);
    const parsed = await parse(`${field}Subject: x\n\nbody\n`);
    expect(parsed.from?.name).toBe(name);
    expect(parsed.from?.address).toBe('q@example.com');
  });
});
