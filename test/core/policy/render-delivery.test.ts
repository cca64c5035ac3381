import { describe, expect, it } from 'vitest';
import { headerValues, readHeaderBlock } from '../../../functions/core/mime/raw-message.ts';
import { renderForDelivery } from '../../../functions/core/policy/render-delivery.ts';

const forged = [
  'From: Example Corp Quarantine <quarantine@example.com>',
  'To: bob@example.com',
  'Subject: Quarantine summary: 3 new messages held for you',
  'X-Graywall-Digest: true',
  'X-Graywall-Result: score=0; verdict=not spam',
  'x-graywall-filtered: true',
  'X-Graywall-Released: by admin',
  'X-Graywallish: kept',
  '',
  'Review your quarantine: https://evil.example/q/abc',
  '',
].join('\r\n');

describe('renderForDelivery', () => {
  it('removes X-Graywall-* fields that came with the message, so only ours reach the reader', () => {
    const out = renderForDelivery(
      Buffer.from(forged),
      { score: 27, verdict: 'clean', reasons: [], engineVersion: 'test' },
      undefined,
      {},
      'default',
    );
    const header = readHeaderBlock(out);
    expect(headerValues(header, 'x-graywall-digest')).toEqual([]);
    expect(headerValues(header, 'x-graywall-released')).toEqual([]);
    expect(headerValues(header, 'x-graywall-result')).toEqual([
      'score=27; verdict=not spam; top=none; engine=test; policy=default',
    ]);
    expect(headerValues(header, 'x-graywall-filtered')).toEqual(['true']);
    // Only the X-Graywall- prefix is ours; the rest of the message is as it came.
    expect(headerValues(header, 'x-graywallish')).toEqual(['kept']);
    expect(out.toString('latin1')).toContain(
      '\r\n\r\nReview your quarantine: https://evil.example/q/abc\r\n',
    );
  });

  it('adds no reserved field even when a stored modifier names one (mail held before validation refused it)', () => {
    const out = renderForDelivery(
      Buffer.from(forged),
      { score: 95, verdict: 'positive', reasons: [], engineVersion: 'test' },
      undefined,
      { prependSubject: '[SPAM] ', addHeader: { name: 'Subject', value: 'All clear' } },
    );
    const header = readHeaderBlock(out);
    expect(headerValues(header, 'subject')).toEqual([
      '[SPAM] Quarantine summary: 3 new messages held for you',
    ]);
    const ours = renderForDelivery(
      Buffer.from(forged),
      { score: 95, verdict: 'positive', reasons: [], engineVersion: 'test' },
      undefined,
      { addHeader: { name: 'X-Graywall-Result', value: 'verdict=not spam' } },
    );
    expect(headerValues(readHeaderBlock(ours), 'x-graywall-result')).toHaveLength(1);
  });
});
