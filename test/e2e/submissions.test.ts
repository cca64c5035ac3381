import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitMessage } from '../../functions/app/submissions.ts';
import { GTUBE_STRING } from '../../functions/core/scan/rules/gtube.ts';
import type { Submission } from '../../functions/core/submissions/submission.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

/**
 * Reporting misclassified mail as an admin does it: from the CLI against the local gateway,
 * with the reports stored in the S3 emulator beside the mail and visible in the tracking
 * record of the message they are about.
 */
let gw: TestGateway;
let cli: CliRun;
const dir = mkdtempSync(join(tmpdir(), 'graywall-submissions-'));

beforeAll(async () => {
  gw = await startTestGateway();
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

const listed = async (...args: string[]): Promise<Submission[]> => {
  const run = await cli('submissions', '--json', ...args);
  expect(run.code).toBe(0);
  return (JSON.parse(run.out) as { items: Submission[] }).items;
};

describe('release and report of graymail held in quarantine', () => {
  let held: TestGateway;
  let heldCli: CliRun;
  beforeAll(async () => {
    held = await startTestGateway({
      config: testConfig({
        policies: {
          default: { graymail: { marketing: { action: 'quarantine' }, bulk: { action: 'quarantine' } } },
        },
      }),
    });
    heldCli = cliFor(held);
  });
  afterAll(async () => {
    await held?.stop();
  });

  const hold = async (fixture: string, to: string) => {
    const raw = readFileSync(new URL(`../fixtures/graymail/${fixture}`, import.meta.url));
    const id = await held.inject(raw, { from: 'news@sender.example', to: [to] });
    await held.waitForState(id, ['quarantined']);
    return id;
  };

  it('files marketing mail as not marketing: the spam classifier got nothing wrong', async () => {
    const id = await hold('marketing/cart-reminder.eml', 'erin@example.com');
    const run = await heldCli('quarantine', 'release', id, '--report-not-spam');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Reported as not marketing mail: submission \S+/);
  });

  it('files nothing for bulk mail, and says why', async () => {
    const id = await hold('bulk/alumni-newsletter-ses.eml', 'frank@example.com');
    const run = await heldCli('quarantine', 'release', id, '--report-not-spam');
    expect(run.out).toContain('Released and delivered to frank@example.com');
    expect(run.out).toContain(
      'Not reported: it was held as bulk graymail, not as spam, and there is no report category for bulk mail',
    );
    expect((await held.deps.tracking.get(id))?.events.some((e) => e.type === 'reported')).toBe(false);
  });
});

describe('release and report as not spam', () => {
  it('releases once, files the quarantined message for training once, and notes it on the message', async () => {
    // Held as positive spam: the sender is on the blocklist (a test signal would not be filed).
    expect((await cli('blocklist', 'add', 'partner@supplier.example')).code).toBe(0);
    const raw = rfc822(
      {
        From: 'partner@supplier.example',
        To: 'carol@example.com',
        Subject: 'Invoice 42',
        'Message-ID': '<fp-1@t>',
      },
      'Please find the invoice.\n',
    );
    const id = await gw.send(raw, { from: 'partner@supplier.example', to: ['carol@example.com'] });
    const record = await gw.waitForState(id, ['quarantined']);

    const first = await cli('quarantine', 'release', id, '--report-not-spam');
    expect(first.code).toBe(0);
    expect(first.out).toContain('Released and delivered to carol@example.com');
    const submissionId =
      /Reported as not spam \(a false positive\): submission (\S+)/.exec(first.out)?.[1] ?? '';
    expect(submissionId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);

    const again = await cli('quarantine', 'release', id, '--report-not-spam');
    expect(again.out).toContain('Not released for carol@example.com: already released');
    // Nothing was released: a script sees it in the exit code.
    expect(again.code).toBe(1);
    expect(again.out).not.toContain('Reported as not spam');

    const mine = (await listed('--category', 'not-spam')).filter((s) => s.messageId === id);
    expect(mine).toEqual([
      expect.objectContaining({
        id: submissionId,
        category: 'not-spam',
        source: 'quarantine-release',
        submittedBy: 'arn:aws:iam::000000000000:user/local-admin',
        from: 'partner@supplier.example',
        subject: 'Invoice 42',
        verdict: expect.objectContaining({ graymail: 'none' }),
      }),
    ]);
    // The stored copy is the message as it arrived (trace headers and all), not the released one.
    expect(await gw.deps.submissions.raw(submissionId)).toEqual(await gw.deps.mail.get(record.key));
    const events = (await gw.deps.tracking.get(id))?.events ?? [];
    expect(events.find((e) => e.type === 'reported')?.detail).toBe(
      `Reported by arn:aws:iam::000000000000:user/local-admin as not spam (a false positive) (submission ${submissionId})`,
    );
    const shown = await cli('submissions', 'show', submissionId);
    expect(shown.out).toMatch(/Category\s+not-spam \(quarantine-release\)/);
    expect(shown.out).toMatch(/Was\s+(clean|suspect|positive), score \d+/);
  });

  it('releases a test message (GTUBE) but files nothing: it is spam by definition', async () => {
    const raw = rfc822(
      {
        From: 'admin@partner.example',
        To: 'carol@example.com',
        Subject: 'Policy test',
        'Message-ID': '<gtube-1@t>',
      },
      `Testing our quarantine.\n${GTUBE_STRING}\n`,
    );
    const id = await gw.send(raw, { from: 'admin@partner.example', to: ['carol@example.com'] });
    await gw.waitForState(id, ['quarantined']);
    const run = await cli('quarantine', 'release', id, '--report-not-spam');
    expect(run.code).toBe(0);
    expect(run.out).toContain('Released and delivered to carol@example.com');
    expect(run.out).toContain(
      'Not reported: it is a test message (GTUBE): spam by definition, nothing for a classifier to learn',
    );
    const filed = await cli('submit', '--category', 'not-spam', '--id', id);
    expect(filed.code).toBe(1);
    expect(filed.err).toMatch(/this is a test message \(GTUBE\): it is spam by definition .* not filed/);
    const file = join(dir, 'advert.eml');
    writeFileSync(file, rfc822({ From: 'a@b.example', Subject: 'x', 'X-Advertisement': 'spam' }, 'Hi.\n'));
    expect((await cli('submit', '--category', 'missed-spam', file)).err).toMatch(
      /this is a test message \(X_ADVERTISEMENT_SPAM\)/,
    );
    expect((await gw.deps.tracking.get(id))?.events.some((e) => e.type === 'reported')).toBe(false);
  });
});

describe('release and report from the admin web page', () => {
  it('"Release, not spam" releases the copy and files it, naming the admin', async () => {
    expect((await cli('blocklist', 'add', 'billing@vendor.example')).code).toBe(0);
    const id = await gw.send(
      rfc822(
        {
          From: 'billing@vendor.example',
          To: 'dan@example.com',
          Subject: 'Invoice 77',
          'Message-ID': '<fp-ui@t>',
        },
        'Your invoice.\n',
      ),
      { from: 'billing@vendor.example', to: ['dan@example.com'] },
    );
    await gw.waitForState(id, ['quarantined']);
    const session = await gw.api<{ url: string }>('POST', '/admin/ui-session', {});
    const page = await fetch(`${session.body.url}/release/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'recipient=dan%40example.com&report=not-spam',
    });
    const html = await page.text();
    expect(page.status).toBe(200);
    const submissionId =
      /reported as not spam \(a false positive\) \(submission ([^)]+)\)/.exec(html)?.[1] ?? '';
    expect(submissionId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(await gw.deps.submissions.get(submissionId)).toMatchObject({
      category: 'not-spam',
      source: 'quarantine-release',
      messageId: id,
      submittedBy: 'arn:aws:iam::000000000000:user/local-admin (admin web page)',
    });
    expect(gw.sink?.messages.filter((m) => m.raw.includes(Buffer.from('<fp-ui@t>')))).toHaveLength(1);
  });
});

describe('graywall submit', () => {
  it('files a delivered message by its tracking id, with a note', async () => {
    const id = await gw.send(
      rfc822({ From: 'offers@shop.example', To: 'dan@example.com', Subject: 'Win a prize' }, 'Claim now.\n'),
      { from: 'offers@shop.example', to: ['dan@example.com'] },
    );
    await gw.waitForState(id, ['delivered']);
    const run = await cli('submit', '--category', 'missed-spam', '--id', id, '--note', 'users complain');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Filed submission \S+: missed-spam, Win a prize/);
    const [latest] = await listed('--category', 'missed-spam');
    expect(latest).toMatchObject({
      messageId: id,
      source: 'admin',
      note: 'users complain',
      subject: 'Win a prize',
    });
  });

  it('files an .eml the admin was sent, byte for byte', async () => {
    const eml = rfc822(
      {
        From: 'News <news@brand.example>',
        To: 'erin@example.com',
        Subject: 'Spring sale',
        'List-Unsubscribe': '<https://brand.example/u>',
      },
      '20% off everything.\n',
    );
    const file = join(dir, 'sale.eml');
    writeFileSync(file, eml);
    const run = await cli('submit', '--category', 'missed-marketing', file, '--json');
    expect(run.code).toBe(0);
    const submission = JSON.parse(run.out) as Submission;
    expect(submission).toMatchObject({
      category: 'missed-marketing',
      from: 'news@brand.example',
      size: eml.length,
    });
    expect(submission.messageId).toBeUndefined();
    expect((await gw.deps.submissions.raw(submission.id)).toString('latin1')).toBe(eml);
  });

  it('says an old message is no longer kept without asking S3 for a copy its lifecycle has removed', async () => {
    const id = await gw.send(
      rfc822({ From: 'old@sender.example', To: 'ann@example.com', Subject: 'last month' }, 'hello\n'),
      { from: 'old@sender.example', to: ['ann@example.com'] },
    );
    await gw.waitForState(id, ['delivered']);
    // In AWS the admin role may not list the bucket, so S3 answers a GET of an expired key with
    // 403 AccessDenied, not 404; the S3 emulator cannot be told to, hence this one stand-in.
    const denying = {
      ...gw.deps.mail,
      get: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      },
    };
    const later = { now: () => new Date(Date.now() + 31 * 86_400_000) };
    await expect(
      submitMessage(
        { ...gw.deps, mail: denying, clock: later },
        { messageId: id, category: 'not-spam', source: 'admin', submittedBy: 'admin' },
      ),
    ).rejects.toMatchObject({ name: 'NotFoundError', message: expect.stringMatching(/is no longer kept/) });
  });

  it('explains what it cannot take', async () => {
    const badCategory = await cli('submit', '--category', 'junk', '--id', 'x');
    expect(badCategory.code).toBe(1);
    expect(badCategory.err).toMatch(
      /category must be one of missed-spam, not-spam, missed-marketing, not-marketing, missed-phishing/,
    );
    const both = await cli('submit', '--category', 'not-spam', '--id', 'x', join(dir, 'sale.eml'));
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/either --id MESSAGE-ID or one \.eml file/);
    const unknown = await cli('submit', '--category', 'not-spam', '--id', 'no-such-message');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no tracked message no-such-message/);
    const big = join(dir, 'big.eml');
    writeFileSync(big, `Subject: big\r\n\r\n${'x'.repeat(4 * 1024 * 1024)}`);
    const tooBig = await cli('submit', '--category', 'missed-spam', big);
    expect(tooBig.code).toBe(2);
    expect(tooBig.err).toMatch(/big\.eml is \d+ bytes; uploads take at most 4194304 bytes/);
    // Even a little over: said before the upload, not as the API's bare 413.
    const huge = join(dir, 'huge.eml');
    writeFileSync(huge, `Subject: huge\r\n\r\n${'x'.repeat(5 * 1024 * 1024)}`);
    expect((await cli('submit', '--category', 'missed-spam', huge)).err).toMatch(/uploads take at most/);
    const binary = join(dir, 'photo.eml');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    const notMail = await cli('submit', '--category', 'missed-spam', binary);
    expect(notMail.code).toBe(1);
    expect(notMail.err).toMatch(/this is not an email message: it has none of the header fields mail has/);
    // Binary with a colon early on (a gzip, a picture) reads as one odd header field: still refused.
    const gz = join(dir, 'readme.gz');
    writeFileSync(
      gz,
      Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('x\x01y: z\n'), Buffer.alloc(64, 7)]),
    );
    expect((await cli('submit', '--category', 'missed-spam', gz)).err).toMatch(
      /this is not an email message/,
    );
    const forged = await gw.api('GET', '/admin/submissions/..%2F..%2Fincoming%2Fx');
    expect(forged.status).toBe(400);
  });

  it('pages through submissions newest first', async () => {
    const all = await listed('--limit', '500');
    expect(all.length).toBeGreaterThanOrEqual(3);
    const first = await cli('submissions', '--json', '--limit', '2');
    const page = JSON.parse(first.out) as { items: Submission[]; cursor?: string };
    expect(page.items.map((s) => s.id)).toEqual(all.slice(0, 2).map((s) => s.id));
    expect(page.cursor).toBeDefined();
    const next = await listed('--limit', '500', '--cursor', page.cursor ?? '');
    expect(next.map((s) => s.id)).toEqual(all.slice(2).map((s) => s.id));
  });
});
