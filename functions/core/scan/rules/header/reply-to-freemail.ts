import { computedRule } from '../support/patterns.ts';
import { addressOrgDomain, FREEMAIL_DOMAINS } from '../support/urls.ts';

/** A company-looking From with replies going to a free mailbox (hotmail, yahoo, ...). */
export const REPLY_TO_FREEMAIL = computedRule(
  {
    id: 'REPLY_TO_FREEMAIL',
    group: 'header',
    description: 'Reply-To is a free mailbox while From is in another domain',
    score: 10,
  },
  ({ message }) => {
    const replyTo = message.replyTo[0]?.address;
    const reply = addressOrgDomain(replyTo);
    return reply && FREEMAIL_DOMAINS.has(reply) && reply !== addressOrgDomain(message.from?.address)
      ? `Reply-To ${replyTo}`
      : null;
  },
);
