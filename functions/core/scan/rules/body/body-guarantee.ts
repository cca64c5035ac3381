import { phraseRule } from '../support/patterns.ts';

/** "100% guaranteed", "risk free", "no obligation": the reassurances of a sales pitch. */
export const BODY_GUARANTEE = phraseRule({
  id: 'BODY_GUARANTEE',
  group: 'body',
  description: 'Body makes sales guarantees ("100% guaranteed", "risk free", "no obligation", ...)',
  score: 8,
  where: 'body',
  phrases: [
    '100% guaranteed',
    '100% satisfaction',
    '100% free',
    'satisfaction guaranteed',
    'money back guarantee',
    'money-back guarantee',
    'risk free',
    'risk-free',
    'no risk',
    'no obligation',
    'no strings attached',
    'no catch',
    'absolutely free',
    'completely free',
    'totally free',
    'free gift',
    'free trial',
    'free info',
    'free consultation',
    'free quote',
    'guaranteed results',
  ],
});
