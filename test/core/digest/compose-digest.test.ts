import { describe, expect, it } from 'vitest';
import { composeDigest } from '../../../functions/core/digest/compose-digest.ts';
import { isPlainAddress } from '../../../functions/core/mime/plain-address.ts';

/** The HTML part of a digest (base64, as composeDigest writes it). */
function htmlPart(raw: Buffer): string {
  const text = raw.toString('latin1');
  const part =
    text.split('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n')[1] ??
    '';
  return Buffer.from(part.split('\r\n--')[0] ?? '', 'base64').toString('utf8');
}

/** The text part of a digest (base64, as composeDigest writes it). */
function textPart(raw: Buffer): string {
  const text = raw.toString('latin1');
  const part =
    text.split('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n')[1] ??
    '';
  return Buffer.from(part.split('\r\n--')[0] ?? '', 'base64').toString('utf8');
}

describe('composeDigest', () => {
  it('is addressed only to printable ASCII, and drops bidirectional overrides from what the sender wrote', () => {
    const mail = {
      from: 'quarantine@example.com',
      to: 'dana@example.com',
      organisation: 'Example Corp',
      entries: [
        {
          messageId: 'm1',
          sender: 'ceo@bank.example',
          // An override would reverse the rest of our line, the reason included.
          subject: 'Invoice \u202eLANIGIRO\u202c due',
          quarantinedAt: '2026-11-25T10:00:00.000Z',
          why: 'spam',
          unverified: true,
        },
      ],
      viewUrl: 'https://q.example.com/q/t',
      actionUrl: (id: string, action: string) => `https://q.example.com/q/t/${action}/${id}`,
      date: new Date('2026-11-25T11:00:00Z'),
      uniqueId: 'u1',
      retentionDays: 30,
      linkLifetimeDays: 7,
      timeZone: 'UTC',
    };
    const raw = composeDigest(mail);
    expect(textPart(raw)).toContain('Invoice LANIGIRO due');
    expect(htmlPart(raw)).toContain('Invoice LANIGIRO due');
    expect(`${textPart(raw)}${htmlPart(raw)}`).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    // Written as latin1, U+010A in an address would end the To: field.
    expect(isPlainAddress('x\u010d\u010abcc:evil@example.com')).toBe(false);
    expect(() => composeDigest({ ...mail, to: 'x\u010d\u010abcc:evil@example.com' })).toThrow(RangeError);
  });

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
      timeZone: 'UTC',
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

  it('shows when each message was held in the configured zone, with the offset of that day', () => {
    // Prepare: two messages either side of Berlin's switch to summer time (2026-03-29 01:00 UTC).
    const entry = (messageId: string, quarantinedAt: string) => ({
      messageId,
      sender: 'news@shop.example',
      subject: `Offer ${messageId}`,
      quarantinedAt,
      why: 'spam',
    });
    // Act
    const raw = composeDigest({
      from: 'quarantine@example.com',
      to: 'dana@example.com',
      organisation: 'Example Corp',
      entries: [entry('m1', '2026-03-29T00:30:00.000Z'), entry('m2', '2026-03-29T01:30:00.000Z')],
      viewUrl: 'https://q.example.com/q/t',
      actionUrl: (id, action) => `https://q.example.com/q/t/${action}/${id}`,
      date: new Date('2026-03-29T07:00:00Z'),
      uniqueId: 'u2',
      retentionDays: 30,
      linkLifetimeDays: 7,
      timeZone: 'Europe/Berlin',
    });
    // Assess
    const lines = textPart(raw).split('\r\n');
    expect(lines).toContain('- 2026-03-29 01:30 UTC+01:00  from news@shop.example');
    expect(lines).toContain('- 2026-03-29 03:30 UTC+02:00  from news@shop.example');
    const html = htmlPart(raw);
    expect(html).toContain('>Held (Europe/Berlin)</th>');
    expect(html).toContain('>2026-03-29 01:30 UTC+01:00</td>');
    expect(html).toContain('>2026-03-29 03:30 UTC+02:00</td>');
  });
});
