import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../../functions/adapters/load-model.ts';
import { parseMessage } from '../../../functions/core/mime/parse-message.ts';
import { classifyMessage } from '../../../functions/core/scan/statistical/classify.ts';
import { hashToken } from '../../../functions/core/scan/statistical/model.ts';
import { tokenizeMessage, tokenPart } from '../../../functions/core/scan/statistical/tokenize.ts';
import { extractMessageFeatures } from '../../../functions/core/training/message-features.ts';
import { invoiceMessage, scamMessage } from '../../support/training-mail.ts';

const model = loadModelFile();

describe("a submission's features", () => {
  it.each([
    ['a phishing message', scamMessage(2)],
    ['an invoice', invoiceMessage(4)],
  ])('split %s into the tokens each classifier of the scan weighs', async (_name, raw) => {
    // Prepare
    const message = await parseMessage(raw);
    const tokens = tokenizeMessage(message);
    const hashesOf = (part: 'content' | 'header') => [
      ...new Set(tokens.filter((token) => tokenPart(token) === part).map(hashToken)),
    ];

    // Act
    const features = await extractMessageFeatures(raw);

    // Assess: the same parts, and the same token counts the scan normalises each part by.
    const scan = classifyMessage(model, message);
    expect([...features.content.hashes]).toEqual(hashesOf('content').sort((a, b) => a - b));
    expect([...features.header.hashes]).toEqual(hashesOf('header').sort((a, b) => a - b));
    expect(features.header.hashes.length).toBeGreaterThan(0);
    expect(features.content.tokenCount).toBe(scan.tokenCount);
    expect(features.header.tokenCount).toBe(scan.header?.tokenCount);
  });
});
