import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc822, startTestGateway, type TestGateway } from '../support/gateway-harness.ts';

/** `npm start -- --sink-dir DIR`: what the built-in sink receives is also written out as .eml files. */
let gw: TestGateway;
const dir = join(mkdtempSync(join(tmpdir(), 'graywall-sink-')), 'delivered');

beforeAll(async () => {
  gw = await startTestGateway({ sinkDir: dir });
});
afterAll(async () => {
  await gw?.stop();
});

describe('the local sink with a directory', () => {
  it('writes each delivered copy there, as delivered, our headers on top', async () => {
    const raw = rfc822(
      { From: 'ann@sender.example.org', To: 'bob@example.com', Subject: 'Lunch', 'Message-ID': '<sink-1@x>' },
      'See you at noon.\n',
    );
    const id = await gw.send(raw, { from: 'ann@sender.example.org', to: ['bob@example.com'] });
    await gw.waitForState(id, ['delivered']);
    const files = readdirSync(dir).filter((name) => name.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const saved = readFileSync(join(dir, files[0] ?? ''));
    expect(saved).toEqual(gw.sink?.messages.find((m) => m.raw.includes(Buffer.from('<sink-1@x>')))?.raw);
    expect(saved.toString('latin1')).toMatch(/^X-Graywall-/);
    expect(saved.toString('latin1')).toContain('See you at noon.');
  });
});
