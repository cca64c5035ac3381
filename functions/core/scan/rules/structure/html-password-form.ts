import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';

/** How many `<input` tags are looked at, and how much of each: the scan stays linear. */
const MAX_INPUTS = 100;
const MAX_TAG_CHARS = 500;
/** Run only over one cut tag, never over the message. */
const PASSWORD_TYPE = /\btype\s{0,5}=\s{0,5}["']?password\b/;

/**
 * A form in the mail with a password field. No legitimate sender collects passwords by
 * email (banks, shops and mail providers send people to their site to sign in); a form that
 * asks for one right inside the message is the credential phishing kit's signature. It fires
 * on no message of the training corpus, so it has no learned weight: its default score
 * applies (see combine.ts).
 */
export const HTML_PASSWORD_FORM = computedRule(
  {
    id: 'HTML_PASSWORD_FORM',
    group: 'structure',
    description: 'HTML form asks for a password inside the message (credential phishing)',
    score: 40,
    patterns: [PASSWORD_TYPE],
  },
  ({ message, raw }) => {
    const view = viewOf(message, raw);
    if (!view.html?.tags.has('form')) return null;
    const html = view.htmlLower;
    let at = html.indexOf('<input');
    for (let seen = 0; at !== -1 && seen < MAX_INPUTS; seen++) {
      const end = html.indexOf('>', at);
      const tag = html.slice(at, end === -1 ? at + MAX_TAG_CHARS : Math.min(end + 1, at + MAX_TAG_CHARS));
      if (PASSWORD_TYPE.test(tag)) return tag;
      at = html.indexOf('<input', at + 6);
    }
    return null;
  },
);
