import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** Half or more of the letters of a sizeable body are capitals. */
export const BODY_EXCESSIVE_CAPS = computedRule(
  {
    id: 'BODY_EXCESSIVE_CAPS',
    group: 'body',
    description: 'Half or more of the letters in the body are capitals',
    score: 10,
  },
  ({ message, raw }) => {
    const body = viewOf(message, raw).body;
    let letters = 0;
    let upper = 0;
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c >= 0x41 && c <= 0x5a) {
        letters++;
        upper++;
      } else if (c >= 0x61 && c <= 0x7a) letters++;
    }
    return letters >= 200 && upper / letters >= 0.5
      ? `${Math.round((upper / letters) * 100)}% capitals in ${letters} letters`
      : null;
  },
);
