import type { GraymailView } from '../graymail-view.ts';
import { type GraymailSignal, headerNamed, listedDomain } from '../signal.ts';

/**
 * Sender signals: who the message says it is from. Role and automated addresses are matched
 * on the tokens of the local part (`notifications-noreply`, `news.letter`, `deals+eu`).
 */

function tokenIn(view: GraymailView, tokens: ReadonlySet<string>): string | null {
  for (const token of view.fromTokens) {
    if (tokens.has(token)) return `From: ${view.fromAddress}`;
  }
  return null;
}

export const NOREPLY_SENDER: GraymailSignal = {
  id: 'NOREPLY_SENDER',
  group: 'header',
  description: 'Sent from a no-reply address',
  weights: { marketing: 1, social: 1, bulk: 1 },
  automated: true,
  detect: (view) => {
    const squashed = view.fromLocal.replace(/[._+-]/g, '');
    return squashed.includes('noreply') || squashed.includes('donotreply') || squashed.includes('noresponse')
      ? `From: ${view.fromAddress}`
      : null;
  },
};

const NOTIFICATION_TOKENS = new Set([
  'notification',
  'notifications',
  'notify',
  'notifier',
  'alert',
  'alerts',
  'update',
  'updates',
  'mailer',
  'automated',
  'bot',
]);

export const NOTIFICATION_SENDER: GraymailSignal = {
  id: 'NOTIFICATION_SENDER',
  group: 'header',
  description: 'Sent from a notifications address (notifications@, notify@, updates@...)',
  weights: { social: 2, bulk: 1 },
  automated: true,
  detect: (view) => tokenIn(view, NOTIFICATION_TOKENS),
};

const MARKETING_TOKENS = new Set([
  'marketing',
  'deals',
  'deal',
  'offers',
  'offer',
  'promo',
  'promos',
  'promotion',
  'promotions',
  'specials',
  'rewards',
  'coupons',
  'savings',
  'sale',
  'shop',
  'store',
  'campaign',
  'campaigns',
]);

export const MARKETING_SENDER: GraymailSignal = {
  id: 'MARKETING_SENDER',
  group: 'header',
  description: 'Sent from a marketing address (marketing@, deals@, offers@, promo@, shop@...)',
  weights: { marketing: 3 },
  automated: true,
  detect: (view) => tokenIn(view, MARKETING_TOKENS),
};

const NEWSLETTER_TOKENS = new Set([
  'news',
  'newsletter',
  'newsletters',
  'digest',
  'bulletin',
  'editor',
  'editors',
  'editorial',
  'announce',
  'announcements',
  'weekly',
  'daily',
  'community',
]);

export const NEWSLETTER_SENDER: GraymailSignal = {
  id: 'NEWSLETTER_SENDER',
  group: 'header',
  description: 'Sent from a newsletter address (news@, newsletter@, digest@, announce@...)',
  weights: { marketing: 1, bulk: 2 },
  automated: true,
  detect: (view) => tokenIn(view, NEWSLETTER_TOKENS),
};

/** Shared role mailboxes: people answer from them too, so they are no proof of automation. */
const ROLE_TOKENS = new Set(['info', 'hello', 'hi', 'team', 'contact']);

export const ROLE_SENDER: GraymailSignal = {
  id: 'ROLE_SENDER',
  group: 'header',
  description: 'Sent from a shared role address (info@, hello@, team@...)',
  weights: { marketing: 1, bulk: 1 },
  automated: false,
  detect: (view) => tokenIn(view, ROLE_TOKENS),
};

/**
 * Sending domains of social networks' notification mail, matched on the From domain or a
 * parent of it (mail.instagram.com). Mastodon and other federated instances cannot be listed;
 * mastodon.social, the flagship instance, is.
 */
export const SOCIAL_NETWORK_DOMAINS: ReadonlySet<string> = new Set([
  'facebookmail.com',
  'facebook.com',
  'linkedin.com',
  'x.com',
  'twitter.com',
  'instagram.com',
  'threads.net',
  'pinterest.com',
  'tiktok.com',
  'reddit.com',
  'redditmail.com',
  'quora.com',
  'nextdoor.com',
  'meetup.com',
  'youtube.com',
  'discord.com',
  'tumblr.com',
  'snapchat.com',
  'xing.com',
  'vk.com',
  'flickr.com',
  'goodreads.com',
  'strava.com',
  'twitch.tv',
  'mastodon.social',
]);

export const SOCIAL_SENDER_DOMAIN: GraymailSignal = {
  id: 'SOCIAL_SENDER_DOMAIN',
  group: 'header',
  description: 'From a social network (facebookmail.com, linkedin.com, x.com, instagram.com...)',
  weights: { social: 5 },
  // People work at social networks too: the domain alone proves nothing about automation.
  automated: false,
  detect: (view) => {
    const domain = listedDomain(view.fromDomain, SOCIAL_NETWORK_DOMAINS);
    return domain === undefined ? null : `From: ${view.fromAddress}`;
  },
};

export const SOCIAL_PLATFORM_HEADER: GraymailSignal = {
  id: 'SOCIAL_PLATFORM_HEADER',
  group: 'header',
  description: "Carries a social network's notification headers (X-Facebook-Notify, X-LinkedIn-Class...)",
  weights: { social: 2 },
  automated: true,
  detect: (view) =>
    headerNamed(view, [
      'x-facebook-notify',
      'x-facebook-priority',
      'x-linkedin-class',
      'x-linkedin-template',
      'x-linkedin-fbl',
      'x-twitteremailtype',
      'x-twitterimpressionid',
    ]),
};
