import { computedRule } from '../support/patterns.ts';
import { addressOrgDomain, FREEMAIL_DOMAINS } from '../support/urls.ts';

/** Sent from a free mailbox: common for people, common for throw-away spam accounts. Weak alone. */
export const FROM_FREEMAIL = computedRule(
  {
    id: 'FROM_FREEMAIL',
    group: 'header',
    description: 'Sender uses a free mailbox provider (hotmail, yahoo, ...)',
    score: 2,
  },
  ({ message }) => {
    const domain = addressOrgDomain(message.from?.address);
    return domain && FREEMAIL_DOMAINS.has(domain) ? (message.from?.address ?? null) : null;
  },
);
