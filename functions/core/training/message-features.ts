import { parseMessage } from '../mime/parse-message.ts';
import { RULES } from '../scan/rules/index.ts';
import { runRules } from '../scan/run-rules.ts';
import { splitTokens, type TokenPart, tokenizeMessage } from '../scan/statistical/tokenize.ts';
import { hashExamples } from '../scan/statistical/train.ts';

/** One part's tokens of a message (see `tokenPart`), hashed. */
export interface TokenFeatures {
  /** Distinct token hashes, ascending. */
  readonly hashes: Uint32Array;
  /** Distinct tokens of the part (known to a model or not): the length normaliser's n. */
  readonly tokenCount: number;
}

/**
 * What training and evaluation need of a message: its hashed tokens of each part (the content
 * classifier's and the header classifier's) and the rules that fired.
 */
export interface MessageFeatures extends Record<TokenPart, TokenFeatures> {
  readonly rules: readonly string[];
}

/**
 * Parses a raw message and extracts its features exactly as `npm run train` does for the
 * corpus (the base the submissions join) and as the scan weighs them: the scan's tokenizer,
 * split by part with the scan's `splitTokens`, and the rules, without SES verdicts and without
 * a clock (rules that compare dates with the present stay silent, as they did for the corpus).
 * Throws what the MIME parser throws on mail it cannot decode.
 */
export async function extractMessageFeatures(raw: Uint8Array): Promise<MessageFeatures> {
  const message = await parseMessage(raw);
  const run = runRules({ message, ses: {}, raw }, RULES);
  return { ...tokenFeatures(tokenizeMessage(message)), rules: run.hits.map((hit) => hit.rule.id) };
}

/** A message's tokens as features: split by part, each part hashed (as `npm run train` does). */
export function tokenFeatures(tokens: readonly string[]): Record<TokenPart, TokenFeatures> {
  const { content, header } = splitTokens(tokens);
  const [contentExample, headerExample] = hashExamples([
    { tokens: content, spam: false },
    { tokens: header, spam: false },
  ]);
  const features = (example: TokenFeatures | undefined): TokenFeatures => ({
    hashes: example?.hashes ?? new Uint32Array(),
    tokenCount: example?.tokenCount ?? 0,
  });
  return { content: features(contentExample), header: features(headerExample) };
}
