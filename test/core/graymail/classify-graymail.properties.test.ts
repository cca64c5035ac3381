import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessGraymail, classifyGraymail } from '../../../functions/core/graymail/classify-graymail.ts';
import type { ParsedMessage } from '../../../functions/core/mime/parse-message.ts';
import type { HeaderField } from '../../../functions/core/mime/raw-message.ts';

const NAMES = [
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-id',
  'precedence',
  'feedback-id',
  'auto-submitted',
  'sender',
  'x-mailer',
  'x-ses-outgoing',
  'content-type',
  'to',
  'return-path',
  'x-mc-user',
  'in-reply-to',
];

/** Header fields: mostly the names signals read, with arbitrary (hostile) values. */
const field: fc.Arbitrary<HeaderField> = fc
  .record({
    name: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 30 })),
    value: fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('bulk', 'auto-replied', '<mailto:x@y>')),
  })
  .map(({ name, value }) => ({ name, key: name.toLowerCase(), value, start: 0, end: 0 }));

const address = fc.record({ address: fc.string({ maxLength: 80 }), name: fc.string({ maxLength: 40 }) });

const text = fc.oneof(
  fc.string({ maxLength: 2_000 }),
  fc.stringMatching(/^(<img width=1 height=1|<a |view in browser|unsubscribe|% off|-{5,30}|<){0,50}$/),
);

const message: fc.Arbitrary<ParsedMessage> = fc.record({
  header: fc.record({
    fields: fc.array(field, { maxLength: 20 }),
    bodyStart: fc.nat(),
    eol: fc.constantFrom('\r\n' as const, '\n' as const),
  }),
  messageId: fc.option(fc.string(), { nil: undefined }),
  subject: fc.string({ maxLength: 600 }),
  from: fc.option(address, { nil: undefined }),
  to: fc.array(address, { maxLength: 3 }),
  cc: fc.array(address, { maxLength: 3 }),
  replyTo: fc.array(address, { maxLength: 2 }),
  date: fc.option(fc.date(), { nil: undefined }),
  text,
  html: text,
  attachments: fc.array(
    fc.record({
      filename: fc.option(fc.string(), { nil: undefined }),
      contentType: fc.string({ maxLength: 40 }),
      size: fc.nat(),
    }),
    { maxLength: 3 },
  ),
  size: fc.nat(),
});

describe('classifyGraymail on arbitrary parsed messages', () => {
  it('never throws, returns a known category and finite, bounded reasons', () => {
    fc.assert(
      fc.property(message, (parsed) => {
        const result = assessGraymail(parsed);
        expect(['marketing', 'social', 'bulk', 'none']).toContain(result.category);
        for (const score of Object.values(result.scores)) expect(Number.isFinite(score)).toBe(true);
        for (const reason of result.reasons) {
          expect(Number.isFinite(reason.score)).toBe(true);
          expect((reason.evidence ?? '').length).toBeLessThanOrEqual(120);
        }
        // Graymail always has a reason to show.
        if (result.category !== 'none') expect(result.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('stays fast on a large hostile body (capped, linear scanning)', () => {
    const hostile = `${'<img width=1 '.repeat(50_000)}${'-'.repeat(200_000)}${'% '.repeat(100_000)}`;
    const parsed: ParsedMessage = {
      header: { fields: [], bodyStart: 0, eol: '\n' },
      messageId: undefined,
      subject: '- '.repeat(10_000),
      from: { address: `${'a.'.repeat(5_000)}@x`, name: '' },
      to: [],
      cc: [],
      replyTo: [],
      date: undefined,
      text: hostile,
      html: hostile,
      attachments: [],
      size: hostile.length,
    };
    const started = performance.now();
    expect(classifyGraymail(parsed).category).toBe('none');
    // A guard against super-linear regexes, not a product timing.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
