import { describe, expect, it } from 'vitest';
import {
  classifyMessage,
  headerStatisticalReason,
  statisticalReason,
} from '../../../../functions/core/scan/statistical/classify.ts';
import { serializeModel } from '../../../../functions/core/scan/statistical/model.ts';
import { tokenizeMessage, tokenPart } from '../../../../functions/core/scan/statistical/tokenize.ts';
import { parse } from '../../../support/parsed.ts';
import { trainSmallModel, trainSplitModel } from './fixtures.ts';

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

  it('with a header classifier, weighs each token by the classifier of its part', async () => {
    // Prepare
    const model = await trainSplitModel();
    const message = await parse(UNSEEN_SPAM);
    // Act
    const result = classifyMessage(model, message);
    // Assess
    const tokens = tokenizeMessage(message);
    expect(result.header?.tokenCount).toBe(tokens.filter((t) => tokenPart(t) === 'header').length);
    expect(result.tokenCount).toBe(tokens.filter((t) => tokenPart(t) === 'content').length);
    expect(result.probability).toBeGreaterThan(0.5);
    for (const { token } of [...result.spamTokens, ...result.hamTokens])
      expect(tokenPart(token)).toBe('content');
    const header = result.header;
    if (!header) throw new Error('no header classification');
    for (const { token } of [...header.spamTokens, ...header.hamTokens])
      expect(tokenPart(token)).toBe('header');
  });

  it('explains the header classifier as its own reason, named by the side its points are on', async () => {
    const model = await trainSplitModel();
    const header = classifyMessage(model, await parse(UNSEEN_SPAM)).header;
    if (!header) throw new Error('no header classification');
    expect(headerStatisticalReason(model, header, 4.2)).toMatchObject({
      id: 'STATISTICAL_HEADERS_SPAM',
      group: 'statistical',
      score: 4.2,
    });
    const ham = headerStatisticalReason(model, header, -3);
    expect(ham.id).toBe('STATISTICAL_HEADERS_HAM');
    expect(ham.description).toMatch(/header fields .*spam probability/);
    expect(statisticalReason(model, classifyMessage(model, await parse(UNSEEN_SPAM))).description).toMatch(
      /of the content/,
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
