import { describe, expect, it } from 'vitest';
import { oneLine, terminalSafe } from '../../functions/cli/terminal-text.ts';

describe('terminal-safe output', () => {
  it('shows escape sequences, CR, BEL, C1 controls and bidi overrides instead of sending them', () => {
    expect(terminalSafe('invoice\x1b[2K\r\x1b[1Adone\x07')).toBe(
      'invoice\\u001b[2K\\u000d\\u001b[1Adone\\u0007',
    );
    expect(terminalSafe('a\x9bb\u202ec\u2066d\x7f')).toBe('a\\u009bb\\u202ec\\u2066d\\u007f');
  });

  it('keeps our own line breaks and tabs, and ordinary text in any script', () => {
    expect(terminalSafe('RULE\tSCORE\nGTUBE\t+100')).toBe('RULE\tSCORE\nGTUBE\t+100');
    expect(terminalSafe('Grüße, 你好, مرحبا')).toBe('Grüße, 你好, مرحبا');
  });

  it('keeps --json output valid JSON that reads back as the same text (JSON.stringify leaves DEL and C1 raw)', () => {
    const subject = 'c1\x9fcontrol del\x7f bidi\u202e esc\x1b';
    const printed = terminalSafe(JSON.stringify({ subject }, null, 2));
    expect(printed).not.toMatch(/[\x7f-\x9f\u202e]/);
    expect(JSON.parse(printed)).toEqual({ subject });
  });

  it('puts a field on one line: its own line breaks become spaces', () => {
    expect(oneLine('invoice\r\nuser@example.com delivered\tFAKE\x1b[0m')).toBe(
      'invoice user@example.com delivered FAKE\\u001b[0m',
    );
  });
});
