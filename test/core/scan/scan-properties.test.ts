import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../../functions/core/mime/parse-message.ts';
import { readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';
import { scanParsedMessage, scanRawMessage } from '../../../functions/core/scan/scan-message.ts';
import { deserializeModel } from '../../../functions/core/scan/statistical/model.ts';
import type { ScanResult } from '../../../functions/core/scan/types.ts';

// The committed model: the properties must hold for what ships, not only for a toy model.
const model = deserializeModel(
  readFileSync(join(import.meta.dirname, '../../../functions/core/scan/model/graywall-model.json'), 'utf8'),
);

const SEVERITY = { clean: 0, suspect: 1, positive: 2, unscannable: -1 } as const;

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(
    'FREE!!! $$$ click here',
    'meeting notes',
    '<a href="http://1.2.3.4/x">x</a>',
    '&#65;&amp;',
  ),
);
const address = fc.record({ address: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 })), name: text });
const headerLine = fc
  .tuple(
    fc.constantFrom('Subject', 'From', 'Received', 'X-Mailer', 'Content-Type', 'Message-ID', 'Date', 'X-Foo'),
    fc.string({ maxLength: 120 }),
  )
  .map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`);

/** Arbitrary parsed messages, including shapes no MIME parser would produce. */
const parsedMessage: fc.Arbitrary<ParsedMessage> = fc
  .record({
    headers: fc.array(headerLine, { maxLength: 8 }),
    subject: text,
    from: fc.option(address, { nil: undefined }),
    to: fc.array(address, { maxLength: 3 }),
    replyTo: fc.array(address, { maxLength: 2 }),
    text,
    html: text,
    attachments: fc.array(
      fc.record({
        filename: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        contentType: fc.string({ maxLength: 30 }),
        size: fc.nat(),
      }),
      { maxLength: 3 },
    ),
    size: fc.nat(),
  })
  .map((m) => ({
    header: readHeaderBlock(Buffer.from(`${m.headers.join('')}\r\n`, 'latin1')),
    messageId: undefined,
    subject: m.subject,
    from: m.from,
    to: m.to,
    cc: [],
    replyTo: m.replyTo,
    date: undefined,
    text: m.text,
    html: m.html,
    attachments: m.attachments,
    size: m.size,
  }));

const thresholds = fc
  .tuple(fc.integer({ min: 25, max: 99 }), fc.integer({ min: 50, max: 99 }))
  .map(([suspect, positive]) => ({
    suspectThreshold: Math.min(suspect, positive),
    positiveThreshold: positive,
  }));

function expectSane(result: ScanResult): void {
  expect(Number.isFinite(result.score)).toBe(true);
  expect(result.score).toBeGreaterThanOrEqual(0);
  expect(result.score).toBeLessThanOrEqual(100);
  for (const reason of result.reasons) expect(Number.isFinite(reason.score)).toBe(true);
}

describe('scanParsedMessage on arbitrary messages', () => {
  it('never throws, and the score is finite and within 0-100', () => {
    fc.assert(
      fc.property(parsedMessage, thresholds, (message, t) => {
        expectSane(scanParsedMessage(message, {}, { ...t, model }));
      }),
      { numRuns: 300 },
    );
  });

  it('never gives a harsher verdict when a threshold is raised', () => {
    fc.assert(
      fc.property(parsedMessage, thresholds, fc.nat(50), fc.nat(50), (message, t, up1, up2) => {
        const positive = Math.min(99, t.positiveThreshold + up1);
        const raised = {
          suspectThreshold: Math.min(positive, t.suspectThreshold + up2),
          positiveThreshold: positive,
        };
        const before = scanParsedMessage(message, {}, { ...t, model });
        const after = scanParsedMessage(message, {}, { ...raised, model });
        expect(after.score).toBe(before.score);
        expect(SEVERITY[after.verdict]).toBeLessThanOrEqual(SEVERITY[before.verdict]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('scanRawMessage on arbitrary bytes', () => {
  it('never throws, and returns a sane result or the unscannable verdict', async () => {
    const raw = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc
        .tuple(fc.array(headerLine, { maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 500 }))
        .map(([headers, body]) => Buffer.from(`${headers.join('')}\r\n${body}`)),
      fc
        .tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 400 }))
        .map(([boundary, body]) =>
          Buffer.from(
            `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n--${boundary}\r\nContent-Type: text/html\r\n\r\n${body}\r\n--${boundary}--\r\n`,
          ),
        ),
    );
    await fc.assert(
      fc.asyncProperty(raw, async (bytes) => {
        const { result } = await scanRawMessage(
          bytes,
          {},
          { suspectThreshold: 50, positiveThreshold: 90, model },
        );
        expectSane(result);
      }),
      { numRuns: 150 },
    );
  });
});
