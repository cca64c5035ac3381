import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc822, startTestGateway, type TestGateway, testConfig } from '../support/gateway-harness.ts';

let gw: TestGateway;

interface SesStoreEmail {
  from: string;
  replyTo?: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

beforeAll(async () => {
  gw = await startTestGateway({
    deliverTo: 'config',
    config: testConfig({
      delivery: {
        type: 'ses',
        fromAddress: 'forwarder@example.com',
        forward: { 'boss@example.com': 'boss.private@mail.example.org' },
        forwardDomain: 'corp-mail.example.org',
      },
    }),
  });
});
afterAll(async () => {
  await gw?.stop();
});

async function sesStore(): Promise<SesStoreEmail[]> {
  const response = await fetch(`${gw.emulators.endpoints.ses}/store`);
  return ((await response.json()) as { emails: SesStoreEmail[] }).emails;
}

describe('delivery through SES (forwarding setups)', () => {
  it('sends the message through SES from the verified address to the mapped recipients', async () => {
    const raw = rfc822(
      {
        From: 'Alice <alice@sender.example.org>',
        To: 'boss@example.com, ivan@example.com',
        Subject: 'Quarterly numbers',
        'Message-ID': '<fwd-1@x>',
      },
      'Numbers attached.\n',
    );
    const id = await gw.send(raw, {
      from: 'alice@sender.example.org',
      to: ['boss@example.com', 'ivan@example.com'],
    });
    const record = await gw.waitForState(id, ['delivered']);
    expect(record.recipientStates.map((r) => r.state)).toEqual(['delivered', 'delivered']);
    expect(record.events.find((e) => e.type === 'delivered')?.detail).toMatch(
      /ses \(from forwarder@example.com\).*SES accepted as /,
    );
    const sent = (await sesStore()).find((e) => e.subject === 'Quarterly numbers');
    expect(sent?.from).toContain('forwarder@example.com');
    expect(sent?.from).toContain('Alice via Example Corp');
    expect(sent?.replyTo).toContain('alice@sender.example.org');
    expect(sent?.body.text).toContain('Numbers attached.');
  });
});
