import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../functions/core/mime/parse-message.ts';
import { statisticalPoints } from '../../../functions/core/scan/combine.ts';
import { matchComposites, mergeComposites } from '../../../functions/core/scan/rules/composite.ts';
import { COMPOSITES } from '../../../functions/core/scan/rules/composites.ts';
import {
  bytesToRead,
  PARTIAL_SCAN_BODY_BYTES,
  scanParsedMessage,
  scanRawMessage,
} from '../../../functions/core/scan/scan-message.ts';
import { deserializeModel } from '../../../functions/core/scan/statistical/model.ts';
import { htmlMail, mail } from './rules/rule-harness.ts';
import { SPAM_MESSAGES } from './statistical/fixtures.ts';

const model = deserializeModel(
  readFileSync(join(import.meta.dirname, '../../../functions/core/scan/model/graywall-model.json'), 'utf8'),
);
const thresholds = { suspectThreshold: 50, positiveThreshold: 90 } as const;

/** Spam-looking enough that rules and classifier both have something to say. */
const SPAMMY = htmlMail(
  '<html><body><p>Dear Friend, act now! Limited time offer: <a href="http://198.51.100.7/buy">click here</a>. 100% guaranteed. To be removed reply with REMOVE. This is not spam.</p></body></html>',
  {
    Subject: 'FREE CASH FOR YOU!!!',
    'X-Mailer': 'Microsoft Outlook Express 6.00.2600.0000',
    'Message-ID': null,
  },
);

async function parse(text: string) {
  const raw = Buffer.from(text, 'latin1');
  return { raw, message: await parseMessage(raw) };
}

describe('composites', () => {
  it('fire when all of allOf, one of anyOf and none of noneOf fired', () => {
    const composite = {
      id: 'C',
      description: 'c',
      score: 5,
      allOf: ['A', 'B'],
      anyOf: ['X', 'Y'],
      noneOf: ['Z'],
    };
    expect(matchComposites(new Set(['A', 'B', 'Y']), [composite])).toEqual([composite]);
    expect(matchComposites(new Set(['A', 'B']), [composite])).toEqual([]);
    expect(matchComposites(new Set(['A', 'Y']), [composite])).toEqual([]);
    expect(matchComposites(new Set(['A', 'B', 'X', 'Z']), [composite])).toEqual([]);
  });

  it('from config are added, or replace a default of the same id', () => {
    const mine = { id: 'MINE', description: 'mine', score: 1, allOf: ['HTML_ONLY'] };
    const replaced = { ...(COMPOSITES[0] as (typeof COMPOSITES)[number]), score: 42 };
    const merged = mergeComposites(COMPOSITES, [mine, replaced]);
    expect(merged).toHaveLength(COMPOSITES.length + 1);
    expect(merged.filter((c) => c.id === replaced.id)).toEqual([replaced]);
  });

  it('appear as reasons with the rules that made them fire, and config composites score as configured', async () => {
    const { raw, message } = await parse(SPAMMY);
    const result = scanParsedMessage(
      message,
      {},
      {
        ...thresholds,
        model,
        composites: [
          {
            id: 'IP_LINK_AND_CAPS',
            description: 'IP link in a shouting mail',
            score: 7,
            allOf: ['URI_IP_HOST', 'SUBJECT_ALL_CAPS'],
          },
        ],
      },
      { raw },
    );
    expect(result.reasons.find((r) => r.id === 'IP_LINK_AND_CAPS')).toEqual({
      id: 'IP_LINK_AND_CAPS',
      group: 'composite',
      description: 'IP link in a shouting mail',
      score: 7,
      evidence: 'URI_IP_HOST + SUBJECT_ALL_CAPS',
    });
    expect(result.reasons.find((r) => r.id === 'HTML_ONLY_HIDDEN_LINK')).toMatchObject({
      group: 'composite',
    });
  });
});

describe('scores from the learned combination', () => {
  it('add up: the score is the sum of the reasons, clamped to 0-100', async () => {
    for (const text of [SPAMMY, mail(), ...SPAM_MESSAGES]) {
      const { raw, message } = await parse(text);
      const result = scanParsedMessage(message, {}, { ...thresholds, model }, { raw });
      const sum = result.reasons.reduce((total, r) => total + r.score, 0);
      expect(result.score).toBe(Math.min(100, Math.max(0, Math.round(sum))));
      expect(result.reasons.some((r) => r.group === 'statistical')).toBe(true);
      expect(result.reasons.some((r) => r.id.startsWith('STATISTICAL_HEADERS_'))).toBe(true);
    }
  });

  it('take a configured score over the learned one', async () => {
    const { raw, message } = await parse(SPAMMY);
    const learned = scanParsedMessage(message, {}, { ...thresholds, model }, { raw });
    const configured = scanParsedMessage(
      message,
      {},
      { ...thresholds, model, ruleScores: { URI_IP_HOST: 33.3, SUBJECT_ALL_CAPS: 0 } },
      { raw },
    );
    expect(learned.reasons.find((r) => r.id === 'URI_IP_HOST')?.score).not.toBe(33.3);
    expect(configured.reasons.find((r) => r.id === 'URI_IP_HOST')?.score).toBe(33.3);
    expect(configured.reasons.find((r) => r.id === 'SUBJECT_ALL_CAPS')?.score).toBe(0);
  });

  it('keep test signals decisive whatever the learned weights say', async () => {
    const { raw, message } = await parse(mail({ 'X-Advertisement': 'spam' }));
    const result = scanParsedMessage(message, {}, { ...thresholds, model }, { raw });
    expect(result).toMatchObject({ score: 100, verdict: 'positive' });
  });
});

describe('scanning profiles', () => {
  it('aggressive puts score 50 lower than normal and keeps score 90 in place', () => {
    const profiles = model.combination?.profiles;
    expect(profiles).toBeDefined();
    expect(profiles?.aggressive.suspectZ).toBeLessThan(profiles?.normal.suspectZ as number);
    expect(profiles?.aggressive.positiveZ).toBe(profiles?.normal.positiveZ);
  });

  it('never scores a message lower under aggressive than under normal', async () => {
    const texts = fc.oneof(
      fc.constantFrom(SPAMMY, mail(), ...SPAM_MESSAGES),
      fc
        .string({ maxLength: 300 })
        .map((body) => mail({ Subject: body.slice(0, 40).replace(/[\r\n]/g, ' ') }, body)),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        const { raw, message } = await parse(text);
        const normal = scanParsedMessage(message, {}, { ...thresholds, model, profile: 'normal' }, { raw });
        const aggressive = scanParsedMessage(
          message,
          {},
          { ...thresholds, model, profile: 'aggressive' },
          { raw },
        );
        expect(aggressive.score).toBeGreaterThanOrEqual(normal.score);
      }),
      { numRuns: 60 },
    );
  });

  it('can turn a clean verdict into suspect for borderline mail', async () => {
    // Prepare: evidence halfway between the two profiles' score-50 anchors, as the
    // classifier's part of z (rules add to z the same way in both profiles).
    const combination = model.combination;
    if (!combination) throw new Error('the committed model has no combination');
    const { normal, aggressive } = combination.profiles;
    const z = (normal.suspectZ + aggressive.suspectZ) / 2;
    const logit = (z - combination.bias) / combination.statWeight;
    // Act
    const normalPoints = statisticalPoints(combination, 'normal', logit);
    const aggressivePoints = statisticalPoints(combination, 'aggressive', logit);
    // Assess
    expect(normalPoints).toBeLessThan(50);
    expect(aggressivePoints).toBeGreaterThanOrEqual(50);
    // And a real commercial message below suspect gets more points under aggressive.
    const { raw, message } = await parse(
      mail(
        { Subject: 'This week at the shop', From: 'news@shop.example' },
        'Save 20% on printer cartridges this week. Order today at http://www.shop.example/ink',
      ),
    );
    const scanned = scanParsedMessage(message, {}, { ...thresholds, model }, { raw });
    const aggressiveScan = scanParsedMessage(
      message,
      {},
      { ...thresholds, model, profile: 'aggressive' },
      { raw },
    );
    expect(scanned.verdict).toBe('clean');
    expect(aggressiveScan.score).toBeGreaterThan(scanned.score);
  });
});

describe('size thresholds', () => {
  const settings = { ...thresholds, model, alwaysScanBelowBytes: 4096, neverScanAboveBytes: 1_000_000 };

  it('scans a message below the always-scan size whole', async () => {
    const { result } = await scanRawMessage(Buffer.from(SPAMMY, 'latin1'), {}, settings);
    expect(result.verdict).not.toBe('unscannable');
    expect(result.note).toBeUndefined();
    expect(result.reasons.map((r) => r.id)).not.toContain('SCAN_PARTIAL');
  });

  it('does not scan a message above the never-scan size: unscannable, "not scanned: size"', async () => {
    const big = Buffer.from(mail({}, `${'x'.repeat(76)}\r\n`.repeat(14_000)), 'latin1');
    const { result, message } = await scanRawMessage(big, {}, settings);
    expect(message).toBeUndefined();
    expect(result).toMatchObject({ verdict: 'unscannable', score: 0, note: 'not scanned: size' });
    expect(result.reasons).toEqual([
      expect.objectContaining({ id: 'SCAN_SKIPPED_SIZE', group: 'engine', score: 0 }),
    ]);
  });

  it('scans the header and the first part of the body between the two, and says so', async () => {
    const filler = `${'filler line of an attachment-sized body '.repeat(2)}\r\n`.repeat(5000);
    const raw = Buffer.from(
      htmlMail(
        `<html><body><p>Buy cheap pills, click <a href="http://198.51.100.7/">here</a></p>${filler}</body></html>`,
      ),
      'latin1',
    );
    expect(raw.byteLength).toBeGreaterThan(PARTIAL_SCAN_BODY_BYTES);
    const { result, message } = await scanRawMessage(raw, {}, settings);
    expect(result.verdict).not.toBe('unscannable');
    expect(result.note).toBe('partially scanned: size');
    expect(result.reasons.find((r) => r.id === 'SCAN_PARTIAL')?.evidence).toMatch(
      /^scanned the header and first 256 KiB of \d{3} KiB$/,
    );
    expect(message?.size).toBe(raw.byteLength);
    // What was read still counts: the link at the top is found.
    expect(result.reasons.map((r) => r.id)).toContain('URI_IP_HOST');
    // The cut end of the multipart-less body is not "broken MIME".
    expect(result.reasons.map((r) => r.id)).not.toContain('MIME_INVALID');
  });
});

describe('the scan deadline', () => {
  it('stops between rules when the caller says so, keeps what was scored and says it timed out', async () => {
    const { raw, message } = await parse(SPAMMY);
    let polls = 0;
    const result = scanParsedMessage(
      message,
      {},
      { ...thresholds, model, shouldStop: () => ++polls > 5 },
      { raw },
    );
    expect(result.verdict).not.toBe('unscannable');
    expect(result.note).toBe('partially scanned: timeout');
    const timeout = result.reasons.find((r) => r.id === 'SCAN_TIMEOUT');
    expect(timeout).toMatchObject({ group: 'engine', score: 0 });
    expect(timeout?.evidence).toMatch(/^classifier and 4 of \d+ rules checked$/);
    expect(result.reasons.some((r) => r.group === 'statistical')).toBe(true);
  });

  it('returns unscannable when the deadline has passed before anything was scored', async () => {
    const { raw, message } = await parse(SPAMMY);
    const result = scanParsedMessage(message, {}, { ...thresholds, model, shouldStop: () => true }, { raw });
    expect(result).toMatchObject({ verdict: 'unscannable', score: 0, note: 'not scanned: timeout' });
    expect(result.reasons[0]).toMatchObject({ id: 'SCAN_TIMEOUT' });
  });

  it('gives up waiting for the parser when the abort signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, message } = await scanRawMessage(
      Buffer.from(SPAMMY, 'latin1'),
      {},
      {
        ...thresholds,
        model,
        abortSignal: controller.signal,
      },
    );
    expect(message).toBeUndefined();
    expect(result).toMatchObject({ verdict: 'unscannable', note: 'not scanned: timeout' });
  });

  it('does not wait for external engines past the budget: they are skipped and the verdict says it timed out', async () => {
    const controller = new AbortController();
    let asked = false;
    const scanning = scanRawMessage(
      Buffer.from(SPAMMY, 'latin1'),
      {},
      {
        ...thresholds,
        model,
        shouldStop: () => controller.signal.aborted,
        abortSignal: controller.signal,
        // An engine that never answers (a hung rspamd): only the budget ends the wait.
        enrich: () => {
          asked = true;
          setTimeout(() => controller.abort(), 5);
          return new Promise(() => undefined);
        },
      },
    );
    const { result } = await scanning;
    expect(asked).toBe(true);
    expect(result.verdict).toBe('unscannable');
    expect(result.note).toBe('not scanned: timeout');
  });

  it('reads at most what a partial scan reads for other uses of a large message (bytesToRead)', () => {
    const small = Buffer.from(SPAMMY, 'latin1');
    expect(bytesToRead(small, 1024 * 1024)).toBe(small);
    expect(bytesToRead(small, undefined)).toBe(small);
    const big = Buffer.from(`${SPAMMY}\r\n${'x'.repeat(78)}\r\n`.repeat(20_000), 'latin1');
    const read = bytesToRead(big, 1024 * 1024);
    expect(big.byteLength).toBeGreaterThan(1024 * 1024);
    expect(read.byteLength).toBeLessThanOrEqual(64 * 1024 + PARTIAL_SCAN_BODY_BYTES);
    expect(Buffer.from(read).toString('latin1')).toBe(big.subarray(0, read.byteLength).toString('latin1'));
  });

  it('scans normally when the deadline is not reached', async () => {
    const { result } = await scanRawMessage(
      Buffer.from(SPAMMY, 'latin1'),
      {},
      {
        ...thresholds,
        model,
        shouldStop: () => false,
        abortSignal: new AbortController().signal,
      },
    );
    expect(result.note).toBeUndefined();
    expect(result.reasons.map((r) => r.id)).not.toContain('SCAN_TIMEOUT');
  });
});

describe('mail the MIME parser refuses', () => {
  /** A message with more parts than mailparser allows (1,000 child nodes), `body` in the first. */
  const manyParts = (body: string, headers = '') =>
    Buffer.from(
      `From: a@sender.example.org\r\nTo: b@example.com\r\nSubject: parts\r\nMessage-ID: <p@x>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n${headers}` +
        `Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n${body}\r\n` +
        '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(1001) +
        '--b--\r\n',
      'latin1',
    );

  it('is still scored: spam by the header and the undecoded text keeps its verdict', async () => {
    const gtube = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
    const { result, message } = await scanRawMessage(manyParts(gtube), {}, { ...thresholds, model });
    expect(result.verdict).toBe('positive');
    expect(result.note).toBe('MIME not decoded');
    expect(result.reasons.map((r) => r.id)).toEqual(expect.arrayContaining(['GTUBE', 'MIME_PARSE_ERROR']));
    expect(message?.subject).toBe('parts');
    const byHeader = await scanRawMessage(
      manyParts('hello', 'X-Advertisement: spam\r\n'),
      {},
      {
        ...thresholds,
        model,
      },
    );
    expect(byHeader.result.verdict).toBe('positive');
  });

  it('is unscannable, and says what the readable part scored, when that evidence is not spam', async () => {
    const { result, message } = await scanRawMessage(
      manyParts('See you at lunch.'),
      {},
      { ...thresholds, model },
    );
    expect(result.verdict).toBe('unscannable');
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]?.id).toBe('MIME_PARSE_ERROR');
    expect(result.reasons[0]?.description).toMatch(
      /^Message could not be decoded as MIME; its header fields and undecoded text scored \d+, below the suspect threshold$/,
    );
    // Still findable by From and Subject.
    expect(message?.from?.address).toBe('a@sender.example.org');
  });
});
