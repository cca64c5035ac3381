import { displayName } from '../mime/display-name.ts';
import { formatRfc5322Date } from '../mime/format-date.ts';
import { isPlainAddress } from '../mime/plain-address.ts';
import { formatZonedTime } from '../time/zoned-time.ts';
import { BIDI_CONTROLS, escapeHtml } from '../unsubscribe/html-scan.ts';

/** One held message as the digest lists it. */
export interface DigestEntry {
  readonly messageId: string;
  readonly sender: string;
  readonly subject: string;
  readonly quarantinedAt: string;
  /** Why it was held, in a few words (the top reason's description). */
  readonly why: string;
  /** The authenticated address "always allow" would safelist; absent, only release is offered. */
  readonly allowSender?: string;
  /**
   * Neither SPF nor DMARC passed for the sender: the From shown may be forged (a copy of a
   * sender the reader trusts). Said next to it, so it is not released on the name alone.
   */
  readonly unverified?: boolean;
}

/** The sender as the digest and the review page show it. */
export function shownSender(entry: Pick<DigestEntry, 'sender' | 'unverified'>): string {
  return entry.unverified ? `${entry.sender} (sender not verified)` : entry.sender;
}

export interface DigestMail {
  readonly from: string;
  readonly to: string;
  readonly organisation: string;
  readonly entries: readonly DigestEntry[];
  /** The review page of this digest. */
  readonly viewUrl: string;
  /** The confirmation page for releasing, or always allowing the sender of, one message. */
  readonly actionUrl: (messageId: string, action: 'release' | 'allow') => string;
  readonly date: Date;
  /** Unique token for Message-ID and MIME boundary (no randomness in the core). */
  readonly uniqueId: string;
  readonly retentionDays: number;
  /** How long its links work (digest.linkLifetimeDays). */
  readonly linkLifetimeDays: number;
  /** The IANA zone its times are shown in (digest.timeZone). */
  readonly timeZone: string;
}

/**
 * The links need no login (they are signed for this recipient), so whoever holds the digest
 * can use them until they expire: say so, as a bank says not to forward its codes.
 */
function forwardingNote(mail: DigestMail): string {
  return `Do not forward this message: for ${mail.linkLifetimeDays} day${mail.linkLifetimeDays === 1 ? '' : 's'}, anyone with it can see your held mail, release it to you and allow its senders.`;
}

/** Mail clients truncate long mails; the review page has the full list. */
export const MAX_DIGEST_ENTRIES = 50;

/**
 * The digest mail: multipart/alternative, text and HTML, both base64 (subjects from spam
 * can be anything: base64 keeps every byte intact and every line short). Links open
 * confirmation pages; nothing is released by merely following a link.
 */
export function composeDigest(mail: DigestMail): Buffer {
  if (!isPlainAddress(mail.to))
    throw new RangeError(`a digest cannot be addressed to ${JSON.stringify(mail.to)}`);
  // Subjects and senders are the sender's text: on one line each in the text part, so a
  // decoded line break cannot write lines (a fake "Release:" link) into our mail.
  const shown = mail.entries.slice(0, MAX_DIGEST_ENTRIES).map((e) => ({
    ...e,
    subject: oneLine(e.subject),
    sender: oneLine(shownSender(e)),
    why: oneLine(e.why),
  }));
  const more = mail.entries.length - shown.length;
  const count = mail.entries.length;
  const boundary = `digest-${mail.uniqueId}`;
  const text = [
    `${count} new message${count === 1 ? '' : 's'} sent to ${mail.to} ${count === 1 ? 'was' : 'were'} held in quarantine by ${mail.organisation}.`,
    `They are deleted after ${mail.retentionDays} days unless you release them.`,
    '',
    `Review them all: ${mail.viewUrl}`,
    '',
    ...shown.flatMap((e) => [
      `- ${formatZonedTime(e.quarantinedAt, mail.timeZone)}  from ${e.sender}`,
      `  "${e.subject}"  (${e.why})`,
      `  Release: ${mail.actionUrl(e.messageId, 'release')}`,
      ...(e.allowSender ? [`  Always allow ${e.allowSender}: ${mail.actionUrl(e.messageId, 'allow')}`] : []),
      '',
    ]),
    ...(more > 0 ? [`...and ${more} more on the review page.`] : []),
    '',
    forwardingNote(mail),
  ].join('\r\n');
  const rows = shown
    .map(
      (e) =>
        `<tr><td style="padding:6px 8px;border-top:1px solid #e4e7eb;white-space:nowrap">${escapeHtml(formatZonedTime(e.quarantinedAt, mail.timeZone))}</td>` +
        `<td style="padding:6px 8px;border-top:1px solid #e4e7eb">${escapeHtml(e.sender)}</td>` +
        `<td style="padding:6px 8px;border-top:1px solid #e4e7eb"><strong>${escapeHtml(e.subject)}</strong><br><span style="color:#52606d">${escapeHtml(e.why)}</span></td>` +
        `<td style="padding:6px 8px;border-top:1px solid #e4e7eb;white-space:nowrap"><a href="${escapeHtml(mail.actionUrl(e.messageId, 'release'))}">Release</a>${e.allowSender ? ` · <a href="${escapeHtml(mail.actionUrl(e.messageId, 'allow'))}">Always allow ${escapeHtml(e.allowSender)}</a>` : ''}</td></tr>`,
    )
    .join('\n');
  const html = `<!doctype html><html lang="en"><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<p>${count} new message${count === 1 ? '' : 's'} sent to <strong>${escapeHtml(mail.to)}</strong> ${count === 1 ? 'was' : 'were'} held in quarantine by ${escapeHtml(mail.organisation)}. They are deleted after ${mail.retentionDays} days unless you release them.</p>
<p><a href="${escapeHtml(mail.viewUrl)}">Review your quarantine</a></p>
<table role="presentation" style="border-collapse:collapse;font-size:14px">
<tr><th align="left" style="padding:6px 8px">Held (${escapeHtml(mail.timeZone)})</th><th align="left" style="padding:6px 8px">From</th><th align="left" style="padding:6px 8px">Subject</th><th></th></tr>
${rows}
</table>
${more > 0 ? `<p>...and ${more} more on the <a href="${escapeHtml(mail.viewUrl)}">review page</a>.</p>` : ''}
<p style="color:#52606d;font-size:12px">${escapeHtml(forwardingNote(mail))}</p>
</body></html>`;
  const base64 = (value: string): string =>
    (
      Buffer.from(value, 'utf8')
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\r\n');
  const lines = [
    `From: ${displayName(`${mail.organisation} Quarantine`)} <${mail.from}>`,
    `To: <${mail.to}>`,
    `Subject: Quarantine summary: ${count} new message${count === 1 ? '' : 's'} held for you`,
    `Date: ${formatRfc5322Date(mail.date)}`,
    `Message-ID: <${mail.uniqueId}@graywall.digest>`,
    // RFC 3834: an automatic message, which auto-responders must not answer.
    'Auto-Submitted: auto-generated',
    'X-Graywall-Digest: true',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64(text),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64(html),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** Line breaks and other control characters become spaces. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  return text.replace(BIDI_CONTROLS, '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}
