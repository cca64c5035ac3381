import { phraseRule } from '../support/patterns.ts';

/** Pump-and-dump stock promotion. */
export const BODY_STOCK_TOUT = phraseRule({
  id: 'BODY_STOCK_TOUT',
  group: 'body',
  description: 'Body promotes a stock ("strong buy", "target price", penny-stock disclaimers)',
  score: 12,
  where: 'body',
  minMatches: 2,
  phrases: [
    'strong buy',
    'target price',
    'price target',
    'stock alert',
    'hot stock',
    'penny stock',
    'symbol:',
    'otc bb',
    'otcbb',
    'pink sheets',
    'forward-looking statements',
    'forward looking statements',
    'investment opportunity',
    'explosive growth',
    'shares outstanding',
    'this company',
    'compensated',
    'profile of',
  ],
});
