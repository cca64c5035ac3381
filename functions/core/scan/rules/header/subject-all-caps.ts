import { computedRule } from '../support/patterns.ts';

/** A Subject written in capitals ("FREE CASH NOW"): shouting is a bulk-mail habit, not a personal one. */
export const SUBJECT_ALL_CAPS = computedRule(
  {
    id: 'SUBJECT_ALL_CAPS',
    group: 'header',
    description: 'Subject is written almost entirely in capital letters',
    score: 8,
  },
  ({ message }) => {
    const subject = message.subject.slice(0, 1000);
    let letters = 0;
    let upper = 0;
    for (let i = 0; i < subject.length; i++) {
      const c = subject.charCodeAt(i);
      if (c >= 0x41 && c <= 0x5a) {
        letters++;
        upper++;
      } else if (c >= 0x61 && c <= 0x7a) letters++;
    }
    return letters >= 10 && upper / letters >= 0.9 ? subject : null;
  },
);
