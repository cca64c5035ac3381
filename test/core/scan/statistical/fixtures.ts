import type { ParsedMessage } from '../../../../functions/core/mime/parse-message.ts';
import { fitLayer } from '../../../../functions/core/scan/statistical/combine-train.ts';
import type { StatisticalModel } from '../../../../functions/core/scan/statistical/model.ts';
import { tokenizeMessage, tokenPart } from '../../../../functions/core/scan/statistical/tokenize.ts';
import {
  buildModel,
  DEFAULT_TRAIN_OPTIONS,
  fitLogistic,
  hashExamples,
  logitOf,
} from '../../../../functions/core/scan/statistical/train.ts';
import { parse } from '../../../support/parsed.ts';

/** A handful of tiny messages, enough to teach a model the difference in a unit test. */
export const SPAM_MESSAGES = [
  'From: "Best Deals" <deals4u@cheap-pills.example>\nSubject: FREE VIAGRA!!! Act now\nContent-Type: text/html\n\n<html><body><font color=red>Buy CHEAP pills now!!! 100% FREE offer, click <a href="http://198.51.100.7/buy">here</a></font></body></html>\n',
  'From: winner@lottery-prize.example\nSubject: You have WON $1,000,000\n\nCongratulations! You won the lottery. Send your bank account details to claim your $1,000,000 prize now!!!\n',
  'From: "Mortgage" <rates@lowrate.example>\nSubject: Lowest mortgage rates - refinance now\n\nRefinance your mortgage today! Lowest rates guaranteed. Click http://lowrate.example/apply to apply. Remove me: reply with REMOVE.\n',
  'From: offers@bulk-mail.example\nSubject: Make money fast from home\n\nEarn $5000 a week from home! No experience needed. This is not spam. Click here to order now: http://198.51.100.9/order\n',
  'From: "Cheap Meds" <meds@pharmacy-online.example>\nSubject: CHEAP MEDS no prescription\n\nOrder pills online, no prescription needed! Lowest prices, FREE shipping. Buy now!!! http://pharmacy-online.example/buy\n',
  'From: cash@easy-loans.example\nSubject: Instant cash loan approved!!!\n\nYour loan is approved! Get cash now, no credit check. Click http://easy-loans.example/now to receive your money. Limited time offer!!!\n',
];

export const HAM_MESSAGES = [
  'From: Alice <alice@example.org>\nSubject: Re: meeting notes for Tuesday\nIn-Reply-To: <a1@example.org>\n\nHi Bob,\nthanks for the notes. I think we should revisit the build script before the release.\nAlice\n',
  'From: Bob <bob@example.net>\nSubject: patch for the parser bug\nReferences: <p1@example.net>\n\nThe attached patch fixes the off-by-one in the header parser. Tests pass on my machine; please review.\nBob\n',
  'From: Carol <carol@example.com>\nSubject: Re: lunch on Friday?\nIn-Reply-To: <l1@example.com>\n\nFriday works for me. Shall we meet at noon near the office? Carol\n',
  'From: Dave <dave@lists.example.org>\nSubject: [dev] release schedule\nList-Id: <dev.lists.example.org>\n\nThe release branch will be cut next week. Please merge your changes to the kernel module before then.\n',
  'From: Erin <erin@example.org>\nSubject: question about the config file\n\nHello, where does the daemon read its configuration from? I tried the usual directory but the service ignores it. Thanks, Erin\n',
  'From: Frank <frank@example.net>\nSubject: Re: backup script\nIn-Reply-To: <b1@example.net>\n\nI rewrote the backup script in shell; it now rotates the logs and mails a summary. Let me know what you think.\n',
];

export async function parseAll(texts: readonly string[]): Promise<ParsedMessage[]> {
  return Promise.all(texts.map(parse));
}

/** A small model trained on the fixtures above, calibrated so log-odds 0 scores 50. */
export async function trainSmallModel(): Promise<StatisticalModel> {
  const spam = await parseAll(SPAM_MESSAGES);
  const ham = await parseAll(HAM_MESSAGES);
  const examples = hashExamples([
    ...spam.map((m) => ({ tokens: tokenizeMessage(m), spam: true })),
    ...ham.map((m) => ({ tokens: tokenizeMessage(m), spam: false })),
  ]);
  const options = { ...DEFAULT_TRAIN_OPTIONS, minDocs: 1, epochs: 30 };
  const fitted = fitLogistic(examples, options);
  return buildModel(fitted, options.normTokens, { suspectLogit: 0, positiveLogit: 2, minScore: -10 }, 'test');
}

/**
 * The same fixtures split the way `npm run train` splits them: a content classifier and a
 * header classifier (see `tokenPart`), and a combination layer over both (no rules), with
 * z = 0 scoring 50 and z = 4 scoring 90 in both profiles.
 */
export async function trainSplitModel(): Promise<StatisticalModel> {
  const messages = [...(await parseAll(SPAM_MESSAGES)), ...(await parseAll(HAM_MESSAGES))];
  const spam = messages.map((_, i) => i < SPAM_MESSAGES.length);
  const tokens = messages.map((m) => tokenizeMessage(m));
  const part = (which: 'content' | 'header') =>
    hashExamples(
      tokens.map((t, i) => ({
        tokens: t.filter((token) => tokenPart(token) === which),
        spam: spam[i] as boolean,
      })),
    );
  const content = part('content');
  const header = part('header');
  const options = { ...DEFAULT_TRAIN_OPTIONS, minDocs: 1, epochs: 30 };
  const headerOptions = { ...options, normTokens: 50 };
  const fitted = fitLogistic(content, options);
  const fittedHeader = fitLogistic(header, headerOptions);
  const layer = fitLayer(
    content.map((example, i) => ({
      logit: logitOf(fitted, example, options.normTokens),
      headerLogit: logitOf(fittedHeader, header[i] as (typeof header)[number], headerOptions.normTokens),
      hits: [],
      spam: example.spam,
      weight: 1,
    })),
    { l2: 1, logitClamp: 8, signs: [] },
  );
  const anchors = { suspectZ: 0, positiveZ: 4 };
  return buildModel(
    fitted,
    options.normTokens,
    { suspectLogit: 0, positiveLogit: 2, minScore: -10 },
    'test',
    {
      rulesVersion: 'rules-test',
      bias: layer.bias,
      statWeight: layer.statWeight,
      headerWeight: layer.headerWeight ?? 0,
      logitClamp: 8,
      ruleWeights: new Map(),
      profiles: { normal: anchors, aggressive: anchors },
    },
    { ...fittedHeader, normTokens: headerOptions.normTokens },
  );
}
