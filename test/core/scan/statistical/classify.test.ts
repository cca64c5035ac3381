import { describe, expect, it } from 'vitest';
import { classifyMessage, statisticalReason } from '../../../../functions/core/scan/statistical/classify.ts';
import { serializeModel } from '../../../../functions/core/scan/statistical/model.ts';
import { parse } from '../../../support/parsed.ts';
import { trainSmallModel } from './fixtures.ts';

const UNSEEN_SPAM =
  'From: "Deals" <promo@cheap-offers.example>\nSubject: FREE pills - buy now!!!\n\nCheap pills, FREE shipping, no prescription. Click http://198.51.100.20/buy now!!! Limited offer.\n';
const UNSEEN_HAM =
  'From: Grace <grace@example.org>\nSubject: Re: parser patch review\nIn-Reply-To: <g1@example.org>\n\nThanks for the patch, the tests pass here too. One question about the header parser before I merge it.\nGrace\n';

describe('the statistical classifier', () => {
  it('tells a spam-looking message from a ham-looking one with a model trained on a few examples', async () => {
    // Prepare
    const model = await trainSmallModel();
    // Act
    const spam = classifyMessage(model, await parse(UNSEEN_SPAM));
    const ham = classifyMessage(model, await parse(UNSEEN_HAM));
    // Assess
    expect(spam.probability).toBeGreaterThan(0.5);
    expect(spam.score).toBeGreaterThanOrEqual(50);
    expect(ham.probability).toBeLessThan(0.5);
    expect(ham.score).toBeLessThan(50);
  });

  it('explains itself: STATISTICAL_SPAM with the strongest spam tokens as evidence', async () => {
    const model = await trainSmallModel();
    const result = classifyMessage(model, await parse(UNSEEN_SPAM));
    const reason = statisticalReason(model, result);
    expect(reason).toMatchObject({ id: 'STATISTICAL_SPAM', group: 'statistical', score: result.score });
    expect(reason.description).toContain(model.version);
    expect(reason.evidence).toMatch(/^spam: /);
    expect(result.spamTokens.length).toBeGreaterThan(0);
    expect(statisticalReason(model, classifyMessage(model, await parse(UNSEEN_HAM))).id).toBe(
      'STATISTICAL_HAM',
    );
  });

  it('is deterministic: the same message gives the same score, and training twice gives the same model', async () => {
    const first = await trainSmallModel();
    const second = await trainSmallModel();
    expect(second.version).toBe(first.version);
    expect(JSON.stringify(serializeModel(second))).toBe(JSON.stringify(serializeModel(first)));
    const message = await parse(UNSEEN_SPAM);
    const a = classifyMessage(first, message);
    const b = classifyMessage(first, message);
    const c = classifyMessage(second, await parse(UNSEEN_SPAM));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});
