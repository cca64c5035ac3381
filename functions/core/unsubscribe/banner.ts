import { escapeHtml } from './html-scan.ts';

/**
 * The safe-unsubscribe banner put on top of graymail: a short note and an Unsubscribe button
 * leading to our confirmation page (which changes nothing on GET). Every piece of text is
 * escaped here, so the HTML snippet can be inserted into a message as it is.
 */

export interface BannerContent {
  /** Our signed confirmation-page URL (http or https). */
  readonly url: string;
  /** Who speaks: the organisation's name from the branding config, e.g. "Example Corp IT". */
  readonly organisation: string;
  /** The sentence before the button. */
  readonly message?: string;
  /** The button's label. */
  readonly buttonLabel?: string;
}

export interface Banner {
  /** Escaped HTML snippet, one block element with inline styles (mail clients drop <style>). */
  readonly html: string;
  /** Plain-text snippet; line breaks are `\n` (the rewriter uses the part's own). */
  readonly text: string;
  /**
   * The button's label as shown. The rewriter also points a sender's anchors with this text at
   * us: a look-alike of the banner laid over the real one (a positioned element of the
   * sender's) then leads to our confirmation page too, whatever its label says.
   */
  readonly buttonLabel: string;
}

const DEFAULT_MESSAGE =
  "This looks like marketing or bulk mail. To stop receiving it, unsubscribe safely here instead of using the sender's own link.";
const DEFAULT_BUTTON = 'Unsubscribe';

export function renderUnsubscribeBanner(content: BannerContent): Banner {
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(content.url)) {
    throw new RangeError('banner url must be an http(s) URL of printable ASCII');
  }
  const message = oneLine(content.message ?? DEFAULT_MESSAGE);
  const button = oneLine(content.buttonLabel ?? DEFAULT_BUTTON);
  const organisation = oneLine(content.organisation);
  // The message's own style sheet may try to hide the banner (`div[role=note]{display:none
  // !important}`, a zero height, a transform, transparent colours, a position off screen) and
  // show a look-alike of its own. An inline !important declaration wins over any style
  // sheet's (CSS Cascading 4 §6.4: same origin and importance, then the style attribute), so
  // what would hide it is pinned. Line breaks between attributes keep every line far under
  // RFC 5322's 998 characters (the rewriter writes them in the part's own line ending).
  const pinned =
    'visibility:visible!important;opacity:1!important;position:static!important;' +
    'transform:none!important;max-height:none!important;overflow:visible!important;';
  const html =
    '<div role="note"\nstyle="display:block!important;height:auto!important;' +
    pinned +
    '\nmargin:0 0 16px 0;padding:12px 16px!important;border:1px solid #c7d2e0;border-radius:4px;' +
    'background:#f4f7fb!important;color:#1f2933!important;font-family:Arial,Helvetica,sans-serif;' +
    '\nfont-size:14px!important;line-height:1.5;text-align:left">' +
    `<strong>${escapeHtml(organisation)}:</strong> ${escapeHtml(message)}\n` +
    `<a href="${escapeHtml(content.url)}"\nstyle="display:inline-block!important;${pinned}` +
    '\nmargin-left:4px;padding:4px 12px;border-radius:4px;background:#1d4ed8!important;' +
    'color:#ffffff!important;font-weight:bold;text-decoration:none">' +
    `${escapeHtml(button)}</a></div>`;
  const text = `[${organisation}] ${message}\n${button}: ${content.url}`;
  return { html, text, buttonLabel: button };
}

/** Banner text comes from config: no line breaks or controls reach the mail. */
function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ').trim();
}
