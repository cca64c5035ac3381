import { header } from '../graymail-view.ts';
import { firstMatch, type GraymailSignal, headerMatching, quoted } from '../signal.ts';

/**
 * Suppressing signals: mail the recipient needs whatever its sender's habits (receipts,
 * shipping notices, password resets, codes, security alerts, invoices, statements, calendar
 * invitations), machine replies (bounces, out-of-office) and conversation replies. Brands send
 * these through the same ESPs, with the same List-Unsubscribe headers, as their campaigns, so
 * the weights are negative and large: they must outweigh the automation evidence.
 *
 * Mailing lists are the exception: a list discussing "password reset flows" is still a list,
 * so the subject cue weighs less against bulk than against marketing and social.
 */

const TRANSACTIONAL_SUBJECT_PATTERNS = [
  /\breceipt\b|\be-receipt\b|\binvoice\b|\bpayment (?:received|confirmation|confirmed|failed|declined|due|receipt|reminder|scheduled)\b/,
  /\border (?:#|no\.|number|confirm|received|shipped|update|status|\d)|\byour order (?:has|is|was|from|#|\d)|\border confirmation\b/,
  /\b(?:has|have) (?:been )?shipped\b|\bout for delivery\b|\b(?:was|has been) delivered\b|\bdelivery (?:update|confirmation|attempt)\b|\btracking (?:number|info)\b|\bshipping (?:confirmation|notification|update)\b/,
  /\bpassword (?:reset|change|changed|updated|assistance)\b|\breset (?:your |the )?(?:[a-z0-9-]{1,30} )?password\b|\bforgot (?:your )?password\b/,
  /\b(?:verification|security|confirmation|login|sign-in|one-time) (?:code|pin)\b|\bone-time pass(?:code|word)\b|\botp\b|\b2-step\b|\btwo-factor\b|\b2fa\b/,
  /\bverify your (?:email|account|identity|address|phone)\b|\bconfirm your (?:email|account|address|subscription|registration)\b|\bactivate your account\b/,
  /\bsecurity (?:alert|notice|notification|code)\b|\bnew (?:sign-in|login|device)\b|\b(?:sign-in|login) attempt\b|\b(?:suspicious|unusual) (?:activity|sign-in|login)\b/,
  /\byour (?:bill|statement)\b|\bstatement (?:is )?(?:ready|available)\b|\baccount statement\b|\be-statement\b|\bamount due\b|\brefund\b|\bsubscription (?:renewal|renewed|confirmation|cancelled|canceled)\b/,
  /\bbooking (?:confirmation|confirmed|reference)\b|\breservation (?:confirmation|confirmed)\b|\byour (?:reservation|itinerary|e-ticket|boarding pass|trip)\b|\bappointment (?:confirmation|confirmed|reminder)\b/,
  /^(?:updated )?invitation(?: from [^:]{1,80})?:|^(?:accepted|declined|tentatively accepted|canceled event|cancelled event|new event):/,
  /bestellbestätigung|auftragsbestätigung|versandbestätigung|zahlungsbestätigung|rechnung|passwort|bestätigungscode|confirmation de (?:commande|paiement)|votre commande|facture|mot de passe|code de vérification|confirmación de (?:pedido|compra)|tu pedido|su pedido|factura|contraseña|código de verificación|il tuo ordine|conferma d'ordine|fattura|ricevuta|bestelling|factuur|wachtwoord|ご注文|領収書|請求書|パスワード|認証コード|発送/,
];

export const TRANSACTIONAL_SUBJECT: GraymailSignal = {
  id: 'TRANSACTIONAL_SUBJECT',
  group: 'body',
  description:
    'Subject is transactional (receipt, order, shipping, password, code, security alert, invoice...)',
  weights: { marketing: -8, social: -8, bulk: -5 },
  automated: false,
  detect: (view) => quoted('Subject', firstMatch(view.subject, TRANSACTIONAL_SUBJECT_PATTERNS)),
};

const TRANSACTIONAL_BODY_PATTERNS = [
  /\border (?:number|no\.|#) ?:? ?[a-z0-9-]{0,4}\d|\btracking number\b|\bconfirmation number\b|\bbooking reference\b/,
  /\b(?:amount|total) (?:paid|charged|due)\b|\binvoice (?:number|no\.|#)|\btransaction id\b|\bpayment method\b/,
  /\b(?:verification|security|confirmation|one-time) code (?:is|:)|\byour code is\b|\bthis code (?:will )?expires?\b/,
  /\breset (?:your |the )?(?:[a-z0-9-]{1,30} )?password\b|\bif you did(?:n[’']t| not) (?:request|make|sign in|try)|\bif this wasn[’']t you\b/,
];

export const TRANSACTIONAL_BODY: GraymailSignal = {
  id: 'TRANSACTIONAL_BODY',
  group: 'body',
  description: 'Body has transactional details (order or tracking number, amount paid, one-time code...)',
  weights: { marketing: -3, social: -3, bulk: -3 },
  automated: false,
  detect: (view) => quoted('body', firstMatch(view.text, TRANSACTIONAL_BODY_PATTERNS)),
};

const TRANSACTIONAL_TOKENS = new Set([
  'order',
  'orders',
  'receipt',
  'receipts',
  'billing',
  'invoice',
  'invoices',
  'payment',
  'payments',
  'security',
  'account',
  'accounts',
  'shipping',
  'shipment',
  'delivery',
  'bookings',
  'reservations',
  'verify',
  'verification',
]);

export const TRANSACTIONAL_SENDER: GraymailSignal = {
  id: 'TRANSACTIONAL_SENDER',
  group: 'header',
  description: 'Sent from a transactional address (orders@, billing@, security@, receipts@...)',
  weights: { marketing: -2, social: -2, bulk: -2 },
  automated: false,
  detect: (view) => {
    for (const token of view.fromTokens) {
      if (TRANSACTIONAL_TOKENS.has(token)) return `From: ${view.fromAddress}`;
    }
    return null;
  },
};

const CALENDAR_TYPES = ['text/calendar', 'application/ics'];

export const CALENDAR_INVITATION: GraymailSignal = {
  id: 'CALENDAR_INVITATION',
  group: 'structure',
  description: 'Carries a calendar invitation or reply (text/calendar)',
  weights: { marketing: -10, social: -10, bulk: -10 },
  automated: false,
  detect: (view) => {
    const part = view.attachmentTypes.find((type) => CALENDAR_TYPES.some((t) => type.startsWith(t)));
    if (part !== undefined) return `part: ${part}`;
    const contentType = header(view, 'content-type')?.toLowerCase();
    if (contentType?.startsWith('text/calendar')) return `content-type: ${contentType}`;
    return view.text.includes('begin:vcalendar') ? 'body: BEGIN:VCALENDAR' : null;
  },
};

export const DELIVERY_REPORT: GraymailSignal = {
  id: 'DELIVERY_REPORT',
  group: 'structure',
  description: 'A delivery status or read report (multipart/report, MAILER-DAEMON)',
  weights: { marketing: -10, social: -10, bulk: -10 },
  automated: false,
  detect: (view) =>
    headerMatching(view, 'content-type', /^\s?multipart\/report/i) ??
    (view.fromLocal === 'mailer-daemon' || view.fromLocal === 'postmaster'
      ? `From: ${view.fromAddress}`
      : null),
};

const AUTO_REPLY_SUBJECT =
  /^(?:automatic reply|auto-?reply|auto-?response|out of (?:the )?office|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica|automatisch antwoord)\b/;

export const AUTO_REPLY: GraymailSignal = {
  id: 'AUTO_REPLY',
  group: 'header',
  description: 'An automatic reply such as out-of-office (Auto-Submitted: auto-replied, RFC 3834)',
  weights: { marketing: -10, social: -10, bulk: -10 },
  automated: false,
  detect: (view) =>
    headerMatching(view, 'auto-submitted', /^\s?auto-replied/i) ??
    headerMatching(view, 'x-autoreply') ??
    headerMatching(view, 'x-autorespond') ??
    quoted('Subject', AUTO_REPLY_SUBJECT.exec(view.subject)?.[0] ?? null),
};

/** `Re:`, `AW:`, `Fwd:`... in the common languages, after an optional `[list]` tag. */
const REPLY_SUBJECT =
  /^(?:\[[^\]]{1,60}\] ?)?(?:re|aw|sv|vs|antw|fw|fwd|wg|tr|rv|res|enc)(?:\[\d{1,3}\])? ?:/;

export const CONVERSATION_REPLY: GraymailSignal = {
  id: 'CONVERSATION_REPLY',
  group: 'header',
  description: 'A reply or forward in a conversation (Re:/Fwd: with In-Reply-To or References)',
  // On a mailing list a reply is still list mail: the list headers carry bulk.
  weights: { marketing: -3, social: -3, bulk: -1 },
  automated: false,
  detect: (view) => {
    if (!view.headers.has('in-reply-to') && !view.headers.has('references')) return null;
    const match = REPLY_SUBJECT.exec(view.subject);
    return match === null ? null : `Subject: ${view.subject}`;
  },
};

const FORWARD_SUBJECT = /^(?:fwd?|wg|tr|rv|enc|doorst)(?:\[\d{1,3}\])? ?:/;
const FORWARD_MARKERS = [
  /-{5,20} ?forwarded message ?-{5,20}/,
  /\bbegin forwarded message:/,
  /-{5,20} ?(?:weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato) ?-{5,20}/,
];

export const FORWARDED_MESSAGE: GraymailSignal = {
  id: 'FORWARDED_MESSAGE',
  group: 'body',
  description: 'Forwarded by a person (Fwd: subject or a forwarded-message separator)',
  // The forwarded newsletter's "view in browser" and "unsubscribe" are quoted content, not
  // how this message was sent.
  weights: { marketing: -6, social: -6, bulk: -3 },
  automated: false,
  detect: (view) => {
    const subject = FORWARD_SUBJECT.exec(view.subject);
    if (subject !== null) return `Subject: ${view.subject}`;
    return quoted('body', firstMatch(view.text, FORWARD_MARKERS));
  },
};
