import { firstMatch, type GraymailSignal, matchesOf, quoted } from '../signal.ts';

/**
 * Content and structure signals: what the subject and the (capped, lowercased) body say, and
 * the shape of the HTML. Every pattern is a flat alternation with bounded repeats, so each
 * one runs in time linear in the capped text. Words outside ASCII are matched without `\b`
 * (JavaScript's word boundary only knows ASCII letters).
 */

/** The part of the text body a notification's phrasing is looked for in. */
const NOTIFICATION_WINDOW = 8_192;

const PROMO_SUBJECT_PATTERNS = [
  /\d{1,3} ?% ?(?:off|rabatt|de descuento|de réduction|korting|sconto)/,
  /(?:^|[\s(])-\d{1,2} ?%/,
  /[$€£] ?\d{1,5} off\b/,
  /\b(?:save|spare) (?:up to |an extra )?[$€£]?\d/,
  /\b(?:sale|flash sale|clearance|bogo|coupons?|vouchers?|discounts?|deals?|offers?|promo)\b/,
  /\bfree (?:shipping|delivery|returns|gift)\b/,
  /\b(?:shop|buy) (?:now|today|the)\b/,
  /\blimited[- ]time\b|\blast chance\b|\bends (?:tonight|today|soon|sunday|midnight|tomorrow)\b|\bfinal hours\b/,
  /\bonly \d{1,3} (?:hours|days) left\b|\bdon[’']t miss\b/,
  /\bblack friday\b|\bcyber monday\b|\bprime day\b|\bboxing day\b/,
  /\bnew arrivals\b|\bjust dropped\b|\bback in stock\b|\bbest ?sellers\b|\bmembers[- ]only\b|\bexclusive\b/,
  /angebot|rabatt|gutschein|schnäppchen|soldes|réduction|promotion|oferta|descuento|rebajas|sconto|saldi|offerta|korting|aanbieding|uitverkoop|セール|割引|クーポン/,
];

export const PROMO_SUBJECT: GraymailSignal = {
  id: 'PROMO_SUBJECT',
  group: 'body',
  description: 'Subject promotes a sale, discount or offer ("30% off", "free shipping", "last chance")',
  weights: { marketing: 3 },
  automated: false,
  detect: (view) => quoted('Subject', firstMatch(view.subject, PROMO_SUBJECT_PATTERNS)),
};

const PROMO_BODY_PATTERNS = [
  /\b(?:shop|buy|order) now\b/,
  /\bshop (?:the|our) (?:sale|collection|new|latest)\b/,
  /\b(?:promo|coupon|discount|voucher) code\b|\buse code\b/,
  /\d{1,3} ?% off\b/,
  /\bfree (?:shipping|delivery|returns)\b/,
  /\blimited[- ]time\b|\bwhile (?:supplies|stocks) last\b|\b(?:sale|offer) ends\b/,
  /\b(?:special|exclusive) offer\b|\btoday only\b|\bthis weekend only\b/,
  /\bnew arrivals\b|\bbest ?sellers\b|\badd to (?:cart|bag|basket)\b/,
  /\bsave up to\b|\bsave [$€£]\d/,
  /\bredeem\b/,
  /[$€£] ?\d{1,5}(?:[.,]\d\d)? off\b/,
  /jetzt (?:kaufen|shoppen|entdecken)|zum angebot|gutscheincode|achetez maintenant|code promo|compra ahora|código promocional|acquista ora|codice sconto/,
];

/** Two different promotional phrases are needed: one alone is ordinary language. */
const PROMO_BODY_MIN = 2;

export const PROMO_BODY: GraymailSignal = {
  id: 'PROMO_BODY',
  group: 'body',
  description: 'Body uses promotional calls to action ("shop now", "use code", "free shipping"...)',
  weights: { marketing: 2 },
  automated: false,
  detect: (view) => {
    const found = matchesOf(view.text, PROMO_BODY_PATTERNS, PROMO_BODY_MIN);
    return found.length >= PROMO_BODY_MIN ? `body: "${found.join('", "')}"` : null;
  },
};

const VIEW_IN_BROWSER_PATTERNS = [
  /\bview (?:this |the |it |our )?(?:email |e-mail |message |newsletter )?(?:in|on) (?:your |a |the )?(?:web )?browser\b/,
  /\bview (?:it |this |the email )?(?:online|as a web ?page|web version)\b/,
  /\bhaving trouble (?:viewing|reading)\b|\btrouble (?:viewing|seeing) this (?:email|message)\b|\bemail not displaying\b/,
  /im browser (?:anzeigen|ansehen|öffnen)|webversion|version en ligne|afficher dans (?:le|votre) navigateur|ver en (?:el )?navegador|versione web|visualizza nel browser/,
];

export const VIEW_IN_BROWSER: GraymailSignal = {
  id: 'VIEW_IN_BROWSER',
  group: 'body',
  description: 'Offers a web version of the message ("view in browser")',
  weights: { marketing: 2, bulk: 1 },
  automated: true,
  detect: (view) =>
    quoted(
      'body',
      firstMatch(view.text, VIEW_IN_BROWSER_PATTERNS) ?? firstMatch(view.html, VIEW_IN_BROWSER_PATTERNS),
    ),
};

const BODY_UNSUBSCRIBE_PATTERNS = [
  /\bunsubscribe\b|\bopt[- ]out\b/,
  /\bmanage (?:your )?(?:email |e-mail |subscription |notification |communication )?(?:preferences|settings|subscriptions)\b/,
  /\bupdate (?:your )?(?:email |subscription )?preferences\b/,
  /\byou (?:are|were) receiving this\b|\byou received this (?:email|message)\b|\bto stop receiving\b|\bno longer wish to receive\b/,
  /abmelden|abbestellen|désabonner|désinscri|darse de baja|cancelar (?:la )?suscripci|disiscriv|afmelden|配信停止/,
];

export const BODY_UNSUBSCRIBE: GraymailSignal = {
  id: 'BODY_UNSUBSCRIBE',
  group: 'body',
  description: 'Body offers a way to unsubscribe or manage email preferences',
  weights: { marketing: 1, social: 1, bulk: 1 },
  automated: true,
  detect: (view) =>
    quoted(
      'body',
      firstMatch(view.text, BODY_UNSUBSCRIBE_PATTERNS) ?? firstMatch(view.html, BODY_UNSUBSCRIBE_PATTERNS),
    ),
};

const NEWSLETTER_SUBJECT_PATTERNS = [
  /newsletter|nieuwsbrief|rundbrief|boletín|bollettino|lettre d'information/,
  /\bissue (?:no\.? ?|#)?\d|\bvol\.? ?\d|\bn[°º] ?\d|\bausgabe\b|\bédition\b/,
  /\bedition\b|\bdigest\b|\bweekly\b|\bmonthly\b|\bround-?up\b|\bbulletin\b|\bthis week in\b|\bweek \d{1,2}\b/,
];

export const NEWSLETTER_SUBJECT: GraymailSignal = {
  id: 'NEWSLETTER_SUBJECT',
  group: 'body',
  description: 'Subject reads like a newsletter ("issue 42", "weekly digest", "edition")',
  weights: { bulk: 3 },
  automated: false,
  detect: (view) => quoted('Subject', firstMatch(view.subject, NEWSLETTER_SUBJECT_PATTERNS)),
};

const NEWSLETTER_BODY_PATTERNS = [
  /\bin (?:this|today's|this week's) (?:issue|edition)\b/,
  /\bread (?:this issue |the full issue |it )?online\b/,
  /\bforward (?:this |it )?to a friend\b|\bforwarded to you\b/,
  /\byou(?:'re| are) (?:receiving|getting) this (?:newsletter|digest|bulletin)\b/,
  /\bsubscribe (?:here|now)\b|\bsign up for (?:our|the|this) newsletter\b/,
  /in dieser ausgabe|dans ce numéro|en este número|in questo numero/,
];

export const NEWSLETTER_BODY: GraymailSignal = {
  id: 'NEWSLETTER_BODY',
  group: 'body',
  description: 'Body reads like a newsletter ("in this issue", "forward to a friend")',
  weights: { marketing: 1, bulk: 2 },
  automated: true,
  detect: (view) => quoted('body', firstMatch(view.text, NEWSLETTER_BODY_PATTERNS)),
};

const SOCIAL_NOTIFICATION_PATTERNS = [
  /\bcommented on\b|\breplied to (?:your|a)\b|\blike[sd] your\b|\breacted to\b|\bupvoted\b/,
  /\bmentioned you\b|\btagged you\b|\bstarted following you\b|\bfollowed you\b|\bnew followers?\b/,
  /\bsent you a (?:message|friend request|connection request|invitation)\b|\bwants to connect\b/,
  /\binvitation to connect\b|\baccepted your invitation\b|\bfriend requests?\b|\bpeople you may know\b/,
  /\bnew notifications?\b|\byou have \d{1,4} new\b|\bnew connections?\b|\bviewed your profile\b/,
  /\bappeared in \d{1,5} searches\b|\bretweeted\b|\breposted\b|\bshared (?:a|your) (?:post|photo|video|memory|link)\b/,
  /\bposted (?:in|a new)\b|\bnew video from\b|\bis live now\b|\bwent live\b|\binvited you to\b/,
  /\bnew messages? (?:from|in)\b|\bwork anniversary\b|\bbirthday today\b|\bcongratulate\b/,
  /\btrending (?:on|in|now)\b|\bpopular (?:on|in)\b|\bjoin the conversation\b|\bsee what'?s happening\b/,
  /\bjobs? (?:for you|alert|you may be interested)\b/,
  /\byour (?:post|comment|tweet|pin|story|video|photo|profile|network|board|answer|question)\b/,
  /hat (?:deinen|ihren|dich) |a commenté|a aimé|le gusta|te ha mencionado|ha comentado|ti ha menzionato/,
];

export const SOCIAL_NOTIFICATION_PHRASE: GraymailSignal = {
  id: 'SOCIAL_NOTIFICATION_PHRASE',
  group: 'body',
  description: 'Worded like a social network notification ("commented on your post", "wants to connect")',
  weights: { social: 3 },
  automated: false,
  detect: (view) =>
    quoted(
      'text',
      firstMatch(view.subject, SOCIAL_NOTIFICATION_PATTERNS) ??
        firstMatch(view.text.slice(0, NOTIFICATION_WINDOW), SOCIAL_NOTIFICATION_PATTERNS),
    ),
};

export const TRACKING_PIXEL: GraymailSignal = {
  id: 'TRACKING_PIXEL',
  group: 'structure',
  description: 'HTML carries an open-tracking pixel (a 1x1 or hidden image)',
  weights: { marketing: 2, social: 1, bulk: 1 },
  automated: true,
  detect: (view) => view.htmlShape.trackingPixel ?? null,
};

/** Campaign mail is built from pictures: product shots, banners, buttons. */
const MANY_IMAGES = 5;

export const IMAGE_HEAVY: GraymailSignal = {
  id: 'IMAGE_HEAVY',
  group: 'structure',
  description: `HTML is built from images (${MANY_IMAGES} or more)`,
  weights: { marketing: 2 },
  automated: false,
  detect: (view) => (view.htmlShape.images >= MANY_IMAGES ? `${view.htmlShape.images} images` : null),
};

const MANY_LINKS = 12;

export const LINK_HEAVY: GraymailSignal = {
  id: 'LINK_HEAVY',
  group: 'structure',
  description: `HTML has many links (${MANY_LINKS} or more)`,
  weights: { marketing: 1, bulk: 1 },
  automated: false,
  detect: (view) => (view.htmlShape.links >= MANY_LINKS ? `${view.htmlShape.links} links` : null),
};
