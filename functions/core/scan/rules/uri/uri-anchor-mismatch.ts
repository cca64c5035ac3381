import { viewOf } from '../support/message-view.ts';
import { computedRule } from '../support/patterns.ts';
import { parseUrl } from '../support/urls.ts';

/**
 * A link whose visible text is itself a web address in another domain than the link's
 * target: `<a href="http://evil.example/">http://www.bank.example/</a>`. The reader trusts
 * what they see; the click goes elsewhere.
 */
export const URI_ANCHOR_MISMATCH = computedRule(
  {
    id: 'URI_ANCHOR_MISMATCH',
    group: 'uri',
    description: 'A link shows one web address and goes to another domain',
    score: 15,
  },
  ({ message, raw }) => {
    for (const anchor of viewOf(message, raw).anchors) {
      const text = anchor.text.trim();
      if (
        !(text.toLowerCase().startsWith('http') || text.toLowerCase().startsWith('www.')) ||
        text.includes(' ')
      )
        continue;
      const shown = parseUrl(text);
      const target = parseUrl(anchor.href);
      if (!shown || !target || target.scheme === 'mailto') continue;
      if (shown.orgDomain !== target.orgDomain) return `shows ${shown.host}, goes to ${target.host}`;
    }
    return null;
  },
);
