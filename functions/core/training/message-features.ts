import { parseMessage } from '../mime/parse-message.ts';
import { RULES } from '../scan/rules/index.ts';
import { runRules } from '../scan/run-rules.ts';
import { tokenizeMessage } from '../scan/statistical/tokenize.ts';
import { hashExamples } from '../scan/statistical/train.ts';

/** What training and evaluation need of a message: its hashed tokens and the rules that fired. */
export interface MessageFeatures {
  /** Distinct token hashes, ascending. */
  readonly hashes: Uint32Array;
  readonly tokenCount: number;
  readonly rules: readonly string[];
}

/**
 * Parses a raw message and extracts its features exactly as `npm run train` does for the
 * corpus (the base the submissions join): the scan's tokenizer and rules, without SES verdicts
 * and without a clock (rules that compare dates with the present stay silent, as they did for
 * the corpus). Throws what the MIME parser throws on mail it cannot decode.
 */
export async function extractMessageFeatures(raw: Uint8Array): Promise<MessageFeatures> {
  const message = await parseMessage(raw);
  const [example] = hashExamples([{ tokens: tokenizeMessage(message), spam: false }]);
  const run = runRules({ message, ses: {}, raw }, RULES);
  return {
    hashes: example?.hashes ?? new Uint32Array(),
    tokenCount: example?.tokenCount ?? 0,
    rules: run.hits.map((hit) => hit.rule.id),
  };
}
