import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../functions/app/reporting.ts';
import { type CliRun, cliFor } from '../support/cli-harness.ts';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

let gw: TestGateway;
let cli: CliRun;

beforeAll(async () => {
  gw = await startTestGateway();
  cli = cliFor(gw);
});
afterAll(async () => {
  await gw?.stop();
});

describe('report counters', () => {
  it('match the messages sent, each counted once however often its events arrive', async () => {
    const send = (from: string, to: string[], fields: Record<string, string>, id: string, envelope = from) =>
      gw.send(
        rfc822(
          { From: from, To: to.join(', '), Subject: id, 'Message-ID': `<${id}@x>`, ...fields },
          'hello\n',
        ),
        { from: envelope, to },
      );
    const a = await send('ann@partner.example.org', ['u1@example.com'], {}, 'r1');
    const b = await send('ann@partner.example.org', ['u1@example.com', 'u2@example.com'], {}, 'r2');
    const news = await send(
      'deals@shop.example.net',
      ['u2@example.com'],
      {
        'List-Unsubscribe': '<https://shop.example.net/u>',
        'Feedback-ID': 'c1:shop:esp',
      },
      'r3',
      // The ESP's per-message bounce address: top senders count the From instead.
      'bounce-r3-u2=example.com@esp.example',
    );
    const spam = await send('ads@spam.example.net', ['u3@example.com'], { 'X-Advertisement': 'spam' }, 'r4');
    const dup = await gw.inject(
      rfc822(
        { From: 'x@partner.example.org', To: 'u1@example.com', Subject: 'r5', 'Message-ID': '<r5@x>' },
        'x\n',
      ),
      {
        from: 'x@partner.example.org',
        to: ['u1@example.com'],
      },
      { copies: 3 },
    );
    // A blocklisted sender whose mail scores clean: the verdict stays the score's, the list
    // decision is counted per recipient.
    await cli('blocklist', 'add', 'blocked.example');
    const blocked = await send('x@blocked.example', ['u1@example.com', 'u2@example.com'], {}, 'r6');
    for (const id of [a, b, news, dup]) await gw.waitForState(id, ['delivered']);
    await gw.waitForState(blocked, ['quarantined']);
    await gw.waitForState(spam, ['quarantined']);
    await gw.api('POST', `/admin/quarantine/${spam}/release`);
    await new Promise((r) => setTimeout(r, 1500)); // let the duplicates drain

    const report = (await gw.api<Report>('GET', '/admin/reports?since=1d')).body;
    const graymailCategory = (await gw.deps.tracking.get(news))?.graymail?.category;
    expect(graymailCategory).toBe('marketing');
    expect(report.totals).toMatchObject({
      messages: 6,
      clean: 5,
      positive: 1,
      blocklisted: 2,
      marketing: 1,
      delivered: 5,
      quarantined: 3,
      released: 1,
    });
    expect(report.totals.safelisted).toBeUndefined();
    expect(report.top.spamSenders).toEqual([{ key: 'ads@spam.example.net', count: 1 }]);
    expect(report.top.graymailSenders).toEqual([{ key: 'deals@shop.example.net', count: 1 }]);
    expect(report.top.graymailRecipients).toEqual([{ key: 'u2@example.com', count: 1 }]);

    const text = (await cli('report', '--since', '1d')).out;
    // MESSAGES CLEAN SUSPECT POSITIVE UNSCANNED BLOCKLISTED SAFELISTED MARKETING SOCIAL BULK
    // DELIVERED QUARANTINED RELEASED DROPPED BOUNCED
    expect(text).toMatch(
      /DAY\s+MESSAGES\s+CLEAN\s+SUSPECT\s+POSITIVE\s+UNSCANNED\s+BLOCKLISTED\s+SAFELISTED\s+MARKETING/,
    );
    expect(text).toMatch(/TOTAL\s+6\s+5\s+0\s+1\s+0\s+2\s+0\s+1\s+0\s+0\s+5\s+3\s+1\s+0\s+0/);
    expect(text).toContain('Top senders of spam (suspect or positive)\n       1  ads@spam.example.net');
  });
});
