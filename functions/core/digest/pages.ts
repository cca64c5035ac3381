import { formatZonedTime } from '../time/zoned-time.ts';
import { escapeHtml } from '../unsubscribe/html-scan.ts';
import { type Page, type PageBranding, renderPage } from '../web/page-layout.ts';
import { type DigestEntry, shownSender } from './compose-digest.ts';

/**
 * The end user's quarantine pages, reached from digest links. As with unsubscribe, GET
 * only shows: releasing or always allowing takes the POST of a form on the page.
 */
const SECTION = 'quarantine';

export function quarantineListPage(
  branding: PageBranding,
  recipient: string,
  entries: readonly DigestEntry[],
  basePath: string,
  /** The IANA zone the times are shown in (digest.timeZone). */
  timeZone: string,
): Page {
  if (entries.length === 0) {
    return renderPage(branding, SECTION, 200, 'Nothing in quarantine', [
      `<p>No messages sent to ${escapeHtml(recipient)} are held in quarantine at the moment.</p>`,
    ]);
  }
  const rows = entries
    .map(
      (
        e,
      ) => `<li><p><strong>${escapeHtml(e.subject)}</strong><br>from ${escapeHtml(shownSender(e))}, held ${escapeHtml(formatZonedTime(e.quarantinedAt, timeZone))}<br><small>${escapeHtml(e.why)}</small></p>
<form method="post" action="${escapeHtml(`${basePath}/release/${e.messageId}`)}"><button type="submit">Release</button></form>${
        e.allowSender
          ? `\n<form method="post" action="${escapeHtml(`${basePath}/allow/${e.messageId}`)}"><button type="submit">Release and always allow ${escapeHtml(e.allowSender)}</button></form>`
          : ''
      }</li>`,
    )
    .join('\n');
  return renderPage(branding, SECTION, 200, 'Your quarantine', [
    `<p>Messages sent to ${escapeHtml(recipient)} that are held because they look like spam. Release the ones you want.</p>`,
    `<ul>${rows}</ul>`,
  ]);
}

export function confirmActionPage(
  branding: PageBranding,
  entry: DigestEntry,
  action: 'release' | 'allow',
  actionPath: string,
): Page {
  const question =
    action === 'release'
      ? `Release <strong>${escapeHtml(entry.subject)}</strong> from ${escapeHtml(shownSender(entry))} to your mailbox?`
      : `Release <strong>${escapeHtml(entry.subject)}</strong> and always allow mail from ${escapeHtml(entry.allowSender ?? entry.sender)}?`;
  return renderPage(
    branding,
    SECTION,
    200,
    action === 'release' ? 'Release message?' : 'Always allow sender?',
    [
      `<p>${question}</p>`,
      `<form method="post" action="${escapeHtml(actionPath)}"><button type="submit">${action === 'release' ? 'Release' : 'Release and always allow'}</button></form>`,
    ],
  );
}

/**
 * After a release (and, for "always allow", the safelist entry). `earlier` is the state the
 * message was already in when nothing was done: released, or deleted by an administrator.
 */
export function actionDonePage(
  branding: PageBranding,
  entry: DigestEntry,
  action: 'release' | 'allow',
  earlier?: string,
): Page {
  if (earlier !== undefined) {
    const deleted = earlier === 'deleted';
    return renderPage(branding, SECTION, 200, deleted ? 'No longer in quarantine' : 'Already released', [
      deleted
        ? '<p>This message was deleted from quarantine by your mail administrator. Nothing was done.</p>'
        : '<p>This message was already released. Nothing more was done.</p>',
    ]);
  }
  const lines = [
    `<p><strong>${escapeHtml(entry.subject)}</strong> has been released and is on its way to your mailbox.</p>`,
  ];
  if (action === 'allow' && entry.allowSender)
    lines.push(
      `<p>Mail from ${escapeHtml(entry.allowSender)} will not be held as spam for you from now on.</p>`,
    );
  return renderPage(branding, SECTION, 200, 'Released', lines);
}

/**
 * "Always allow" for a message whose sender nobody vouched for (no SPF or DMARC pass) or
 * that a blocklist held: a safelist entry would not apply, so none is added. Reached from an
 * old link or a hand-made URL; the digest offers release only for such messages.
 */
export function allowUnavailablePage(branding: PageBranding, entry: DigestEntry, releasePath: string): Page {
  return renderPage(branding, SECTION, 409, 'This sender cannot be always allowed', [
    `<p>Mail from ${escapeHtml(entry.sender)} could not be verified as really coming from that address (neither SPF nor DMARC passed), or it is blocked by your organisation, so an entry on your safe list would not let its next messages through. Ask your mail administrator if you need it.</p>`,
    `<p>You can still release <strong>${escapeHtml(entry.subject)}</strong>.</p>`,
    `<form method="post" action="${escapeHtml(releasePath)}"><button type="submit">Release</button></form>`,
  ]);
}

/** A message held for malware: released by an administrator only, never from a digest link. */
export function adminOnlyPage(branding: PageBranding): Page {
  return renderPage(branding, SECTION, 403, 'Held for your administrator', [
    '<p>This message was held because it contains malware. Only your mail administrator can release it; if you expected it, ask them, and do not ask the sender to send it again.</p>',
  ]);
}

export function notFoundPage(branding: PageBranding): Page {
  return renderPage(branding, SECTION, 404, 'Message not found', [
    '<p>This message is no longer in your quarantine: it was released, deleted or has expired.</p>',
  ]);
}

export function invalidDigestLinkPage(branding: PageBranding, expired: boolean): Page {
  return renderPage(branding, SECTION, 400, 'This link does not work', [
    expired
      ? '<p>This quarantine link has expired. A newer digest has fresh links.</p>'
      : '<p>This quarantine link is not valid: it may have been changed or cut off by your mail program.</p>',
  ]);
}
