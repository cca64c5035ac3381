import { phraseRule } from '../support/patterns.ts';

/**
 * Mail that insists it is not spam, cites a bill that never became law (S.1618), or explains
 * how it came by the address ("you have been selected", "opt-in list"), usually is.
 */
export const BODY_NOT_SPAM_CLAIM = phraseRule({
  id: 'BODY_NOT_SPAM_CLAIM',
  group: 'body',
  description:
    'Body claims not to be spam, cites anti-spam law or says how it got the address ("this is not spam", "S. 1618", "you have been selected", ...)',
  score: 20,
  where: 'body',
  phrases: [
    'this is not spam',
    'this is not a spam',
    'this is not unsolicited',
    'not unsolicited',
    'this message is not spam',
    'this email is not spam',
    'this e-mail is not spam',
    'is not considered spam',
    'cannot be considered spam',
    'not be considered spam',
    'is not spam',
    'bill s.1618',
    'bill s. 1618',
    's. 1618',
    's.1618',
    'section 301',
    'federal requirements for commercial',
    'in compliance with',
    'strictly in compliance',
    'this is a one time',
    'this is an advertisement',
    'this message is an advertisement',
    'your email address was obtained',
    'your e-mail address was obtained',
    'your address was obtained',
    'you have been selected',
    'we found your',
    'opt-in list',
    'opt in list',
    'you signed up with one of our',
    'one of our partner',
    'one of our marketing partners',
  ],
});
