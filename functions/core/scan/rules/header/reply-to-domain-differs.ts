import { computedRule } from '../support/patterns.ts';
import { addressOrgDomain } from '../support/urls.ts';

/** Replies go to another domain than the sender's: the From is for show, the Reply-To is the real contact. */
export const REPLY_TO_DOMAIN_DIFFERS = computedRule(
  {
    id: 'REPLY_TO_DOMAIN_DIFFERS',
    group: 'header',
    description: 'Reply-To is in a different domain than From',
    score: 5,
  },
  ({ message }) => {
    const replyTo = message.replyTo[0]?.address;
    const from = addressOrgDomain(message.from?.address);
    const reply = addressOrgDomain(replyTo);
    return from && reply && from !== reply ? `From ${from}, Reply-To ${replyTo}` : null;
  },
);
