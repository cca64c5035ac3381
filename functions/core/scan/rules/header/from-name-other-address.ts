import { computedRule } from '../support/patterns.ts';
import { addressOrgDomain } from '../support/urls.ts';

/** `From: "service@bank.example" <x@elsewhere.example>`: the name shows an address that is not the sender's. */
export const FROM_NAME_OTHER_ADDRESS = computedRule(
  {
    id: 'FROM_NAME_OTHER_ADDRESS',
    group: 'header',
    description: "Sender's display name shows an e-mail address in another domain than the real sender",
    score: 12,
  },
  ({ message }) => {
    const from = message.from;
    if (!from) return null;
    const name = from.name.slice(0, 200).trim();
    const at = name.indexOf('@');
    if (at <= 0) return null;
    const shown = name.slice(0, name.indexOf(' ', at) === -1 ? undefined : name.indexOf(' ', at));
    const shownDomain = addressOrgDomain(shown);
    if (!shownDomain.includes('.')) return null;
    return shownDomain !== addressOrgDomain(from.address) ? `${name} <${from.address}>` : null;
  },
);
