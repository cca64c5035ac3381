import { phraseRule } from '../support/patterns.ts';

/** Explicit adult-site advertising. */
export const BODY_ADULT = phraseRule({
  id: 'BODY_ADULT',
  group: 'body',
  description: 'Body advertises adult content',
  score: 15,
  where: 'body',
  phrases: [
    'xxx',
    'porn',
    'hardcore',
    'horny',
    'nude',
    'naked',
    'live sex',
    'sex videos',
    'hot teens',
    'adult site',
    'adult content',
    'adults only',
    'over 18',
    '18 years of age',
    'webcam girls',
    'barely legal',
  ],
});
