import { describe, expect, it } from 'vitest';
import { composeDigest } from '../../../functions/core/digest/compose-digest.ts';

/** The text part of a digest (base64, as composeDigest writes it). */
function textPart(raw: Buffer): string {
  const text = raw.toString('latin1');
  const part =
    text.split('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n')[1] ??
    '';
  return Buffer.from(part.split('\r\n--')[0] ?? '', 'base64').toString('utf8');
}

describe('composeDigest', () => {
  it("keeps a sender's subject on its line: a decoded line break writes no line of ours", () => {
    const raw = composeDigest({
      from: 'quarantine@example.com',
      to: 'dana@example.com',
      organisation: 'Example Corp',
      entries: [
        {
          messageId: 'm1',
          sender: 'evil@spam.example\r\nRelease: https://evil.example/x',
          subject: 'Invoice\r\n\r\nIMPORTANT\r\n  Release: https://evil.example/steal',
          quarantinedAt: '2026-11-25T10:00:00.000Z',
          why: 'spam',
        },
      ],
      viewUrl: 'https://q.example.com/q/t',
      actionUrl: (id, action) => `https://q.example.com/q/t/${action}/${id}`,
      date: new Date('2026-11-25T11:00:00Z'),
      uniqueId: 'u1',
      retentionDays: 30,
      linkLifetimeDays: 7,
    });
    const lines = textPart(raw).split('\r\n');
    expect(lines.filter((line) => line.trimStart().startsWith('Release:'))).toEqual([
      '  Release: https://q.example.com/q/t/release/m1',
    ]);
    expect(
      lines.some((line) =>
        /^ {2}"Invoice IMPORTANT +Release: https:\/\/evil\.example\/steal" {2}\(spam\)$/.test(line),
      ),
    ).toBe(true);
    // The links need no login: the digest says not to forward it, and for how long they work.
    expect(lines).toContain(
      'Do not forward this message: for 7 days, anyone with it can see your held mail, release it to you and allow its senders.',
    );
  });
});
