import type { ParsedMessage } from '../mime/parse-message.ts';
import { headerValues } from '../mime/raw-message.ts';
import { evidence } from '../scan/rules/rule.ts';
import type { Reason } from '../scan/types.ts';

export type GraymailCategory = 'marketing' | 'social' | 'bulk' | 'none';

export interface GraymailResult {
  readonly category: GraymailCategory;
  readonly reasons: readonly Reason[];
}

/**
 * Sending domains of social networks' notification mail. Matched on the From domain or any
 * parent of it (notifications come from subdomains such as mail.instagram.com).
 */
const SOCIAL_DOMAINS = [
  'facebookmail.com',
  'linkedin.com',
  'x.com',
  'twitter.com',
  'instagram.com',
  'pinterest.com',
  'tiktok.com',
  'reddit.com',
  'redditmail.com',
  'quora.com',
  'nextdoor.com',
  'meetup.com',
  'youtube.com',
];

/** Headers that email service providers stamp on campaign mail. */
const ESP_HEADERS = [
  'x-mailgun-tag',
  'x-sg-eid',
  'x-mc-user',
  'x-campaignid',
  'x-campaign-id',
  'x-sfmc-stack',
  'x-mailchimp-campaign',
];

/**
 * First-pass graymail classification from header signals. Order matters: social before
 * marketing (networks also send with List-Unsubscribe), marketing before bulk.
 */
export function classifyGraymail(message: ParsedMessage): GraymailResult {
  const reasons: Reason[] = [];
  const fromDomain = message.from?.address.split('@').pop()?.toLowerCase() ?? '';
  const social = SOCIAL_DOMAINS.find((d) => fromDomain === d || fromDomain.endsWith(`.${d}`));
  if (social) {
    reasons.push(reason('SOCIAL_SENDER_DOMAIN', 'From a social network notification domain', fromDomain));
    return { category: 'social', reasons };
  }
  const listUnsubscribe = headerValues(message.header, 'list-unsubscribe')[0];
  const feedbackId = headerValues(message.header, 'feedback-id')[0];
  const esp = ESP_HEADERS.find((name) => headerValues(message.header, name).length > 0);
  const listId = headerValues(message.header, 'list-id')[0];
  const precedence = headerValues(message.header, 'precedence')[0]?.trim().toLowerCase();

  if (listUnsubscribe && (feedbackId || esp)) {
    reasons.push(
      reason(
        'LIST_UNSUBSCRIBE',
        'Offers List-Unsubscribe (RFC 2369)',
        `List-Unsubscribe: ${listUnsubscribe}`,
      ),
    );
    if (feedbackId)
      reasons.push(reason('FEEDBACK_ID', 'Carries a bulk sender Feedback-ID', `Feedback-ID: ${feedbackId}`));
    if (esp)
      reasons.push(reason('ESP_CAMPAIGN_HEADER', 'Sent through an email service provider campaign', esp));
    return { category: 'marketing', reasons };
  }
  if (listId || precedence === 'bulk' || precedence === 'list' || listUnsubscribe) {
    if (listId)
      reasons.push(reason('LIST_ID', 'Mailing list message (List-Id, RFC 2919)', `List-Id: ${listId}`));
    if (precedence === 'bulk' || precedence === 'list')
      reasons.push(
        reason('PRECEDENCE_BULK', 'Marked as bulk mail (Precedence)', `Precedence: ${precedence}`),
      );
    if (listUnsubscribe && !listId)
      reasons.push(
        reason(
          'LIST_UNSUBSCRIBE',
          'Offers List-Unsubscribe (RFC 2369)',
          `List-Unsubscribe: ${listUnsubscribe}`,
        ),
      );
    return { category: 'bulk', reasons };
  }
  return { category: 'none', reasons };
}

function reason(id: string, description: string, matched: string): Reason {
  return { id, group: 'header', description, score: 0, evidence: evidence(matched) };
}
