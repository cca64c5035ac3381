import { describe, expect, it } from 'vitest';
import { oneLine, terminalSafe } from '../../functions/cli/terminal-text.ts';

describe('terminal-safe output', () => {
  it('shows escape sequences, CR, BEL, C1 controls and bidi overrides instead of sending them', () => {
    expect(terminalSafe('invoice\x1b[2K\r\x1b[1Adone\x07')).toBe('invoice\\x1b[2K\\x0d\\x1b[1Adone\\x07');
    expect(terminalSafe('a\x9bb\u202ec\u2066d\x7f')).toBe('a\\x9bb\\u202ec\\u2066d\\x7f');
  });

  it('keeps our own line breaks and tabs, and ordinary text in any script', () => {
    expect(terminalSafe('RULE\tSCORE\nGTUBE\t+100')).toBe('RULE\tSCORE\nGTUBE\t+100');
    expect(terminalSafe('Grüße, 你好, مرحبا')).toBe('Grüße, 你好, مرحبا');
  });

  it('puts a field on one line: its own line breaks become spaces', () => {
    expect(oneLine('invoice\r\nuser@example.com delivered\tFAKE\x1b[0m')).toBe(
      'invoice user@example.com delivered FAKE\\x1b[0m',
    );
  });
});
