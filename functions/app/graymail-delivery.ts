import {
  GATEWAY_AUTHSERV_ID,
  readTrustedAuthResults,
  SES_AUTHSERV_ID,
} from '../core/auth/trusted-auth-results.ts';
import { ConfigError } from '../core/errors.ts';
import { type ParsedMessage, parseMessage } from '../core/mime/parse-message.ts';
import { headerValues, readHeaderBlock, replaceHeaderField } from '../core/mime/raw-message.ts';
import type { RecipientPlan } from '../core/policy/plan-actions.ts';
import { type Modifiers, renderForDelivery } from '../core/policy/render-delivery.ts';
import { bytesToRead } from '../core/scan/scan-message.ts';
import { renderUnsubscribeBanner } from '../core/unsubscribe/banner.ts';
import {
  dkimSignatures,
  verifiedSignatureCoversListUnsubscribe,
} from '../core/unsubscribe/list-unsubscribe.ts';
import type { Refusal } from '../core/unsubscribe/refusal.ts';
import { rewriteForSafeUnsubscribe } from '../core/unsubscribe/rewrite-message.ts';
import { deliver } from './deliver.ts';
import type { ClassifiedMessage } from './pipeline-messages.ts';
import type { Transport } from './ports.ts';
import { refusalNotice } from './refusal-notice.ts';
import { offerUnsubscribe, refusedListUnsubscribeLinks, screenLinks } from './safe-unsubscribe.ts';
import type { PipelineDeps } from './stage-deps.ts';
import { trackingEvent } from './tracking-event.ts';

/**
 * Delivers graymail with the safe-unsubscribe banner: one copy per recipient, because each
 * copy carries that recipient's own signed link (a shared link would let one recipient
 * unsubscribe another). Recipients not yet delivered when something fails get their claims
 * back, so the retry picks them up.
 */
export async function deliverWithSafeUnsubscribe(
  deps: PipelineDeps,
  message: ClassifiedMessage,
  raw: Buffer,
  plan: RecipientPlan,
  modifiers: Modifiers,
  transport: Transport,
  why: string,
  from: string | undefined,
  subject: string | undefined,
  verifiedSender: string | undefined,
): Promise<void> {
  const id = message.mail.messageId;
  const parsed = await parseForSafeUnsubscribe(deps, raw);
  const remaining = [...plan.recipients];
  // One copy per recipient, but one non-delivery report per reply for the whole message, as
  // a single transaction's refusals would give (refusals are gathered, then reported).
  const refusals = new Map<string, string[]>();
  const notify = refusalNotice(deps, message, from, raw);
  try {
    while (remaining.length > 0) {
      const recipient = remaining[0] as string;
      const copy = await safeUnsubscribeCopy(
        deps,
        {
          messageId: id,
          recipient,
          envelopeFrom: message.mail.envelopeFrom,
          from,
          subject,
          sesDkim: message.mail.ses.dkim,
          verifiedSender,
        },
        raw,
        parsed,
        'action',
      );
      const bytes = renderForDelivery(
        copy,
        { ...message.scan, verdict: plan.verdict },
        { category: message.graymail.category },
        modifiers,
        plan.policy,
        plan.list?.verdict,
        plan.engineDisabled,
      );
      remaining.shift();
      // deliver() gives this recipient's claim back itself if it fails; a permanent refusal it
      // records and returns from, so the other recipients still get their copies.
      await deliver(
        deps,
        id,
        message.mail.envelopeFrom,
        { recipients: [recipient], policy: plan.policy },
        bytes,
        why,
        {
          transport,
          onRefused: async (refused, reply) => {
            refusals.set(reply, [...(refusals.get(reply) ?? []), ...refused]);
          },
        },
      );
    }
  } catch (error) {
    if (remaining.length > 0) await deps.tracking.releaseClaims(id, remaining);
    throw error;
  } finally {
    // Refused recipients are settled, retry or not: their sender hears of them now.
    for (const [reply, refused] of refusals) await notify(refused, reply);
  }
}

/**
 * The header and the text to find the sender's unsubscribe links in, read from at most the
 * part of the message the scan reads in full (antispam.alwaysScanBelowBytes): parsing a
 * 40 MB message whole would hold several decoded copies of it in a 512 MB function. The
 * rewrite itself edits the inline text parts of the whole message, wherever they are.
 */
export async function parseForSafeUnsubscribe(deps: PipelineDeps, raw: Buffer): Promise<ParsedMessage> {
  return parseMessage(bytesToRead(raw, deps.config.antispam.alwaysScanBelowBytes));
}

export interface SafeUnsubscribeTarget {
  readonly messageId: string;
  readonly recipient: string;
  readonly envelopeFrom: string;
  readonly from: string | undefined;
  readonly subject: string | undefined;
  /** SES's DKIM verdict, when known; the trusted Authentication-Results are preferred. */
  readonly sesDkim?: string | undefined;
  /** The sender address SPF or DMARC vouched for (the tracking record's allowSender). */
  readonly verifiedSender?: string | undefined;
}

/**
 * One recipient's copy of graymail with the safe-unsubscribe banner and that recipient's
 * signed link in place of the sender's links (delivery, or release from quarantine). The
 * sender's URIs are stored as an unsubscribe request; the outcome goes into the timeline.
 */
export async function safeUnsubscribeCopy(
  deps: PipelineDeps,
  target: SafeUnsubscribeTarget,
  raw: Buffer,
  parsed: ParsedMessage,
  stage: 'action' | 'release',
): Promise<Buffer> {
  if (!deps.publicBaseUrl) {
    throw new ConfigError(
      'safe unsubscribe needs the public base URL of the unsubscribe pages (PUBLIC_BASE_URL)',
    );
  }
  const { url, request } = await offerUnsubscribe(deps, {
    messageId: target.messageId,
    recipient: target.recipient,
    envelopeFrom: target.envelopeFrom,
    ...(target.from ? { from: target.from } : {}),
    ...(target.subject ? { subject: target.subject } : {}),
    header: parsed.header,
    html: parsed.html,
    text: parsed.text,
    dkimPass: dkimCoversListUnsubscribe(parsed, target.sesDkim),
    ...(target.verifiedSender ? { verifiedSender: target.verifiedSender } : {}),
  });
  const screened = screenLinks(deps, request);
  if (screened.worthTrying.length === 0) {
    // A button that can do nothing would promise what we cannot keep: no banner. A refused
    // List-Unsubscribe goes too: mail programs show it as their own Unsubscribe button and
    // call it from the reader's machine, inside the network (an intranet address, a
    // blocklisted host). The body's links stay as the sender wrote them, like any link in mail.
    const headerRefused = screened.refused.length > 0 && request.listUnsubscribe.length > 0;
    const why =
      screened.refused.length === 0
        ? 'the message offers no unsubscribe link or address'
        : `every unsubscribe link the message offers is one our safety checks refuse: ${describeRefused(screened.refused)}` +
          (headerRefused ? "; the sender's List-Unsubscribe header was removed" : '');
    await deps.tracking.appendEvents(target.messageId, [
      trackingEvent(deps.clock, stage, 'unsubscribe-offered', `safe unsubscribe not added: ${why}`, [
        target.recipient,
      ]),
    ]);
    return headerRefused ? withoutListUnsubscribe(raw) : raw;
  }
  const banner = renderUnsubscribeBanner({
    url,
    organisation: deps.config.organisation.name,
    ...(deps.config.unsubscribe.message ? { message: deps.config.unsubscribe.message } : {}),
    ...(deps.config.unsubscribe.buttonLabel ? { buttonLabel: deps.config.unsubscribe.buttonLabel } : {}),
  });
  const rewritten = rewriteForSafeUnsubscribe(raw, {
    banner,
    listUnsubscribeUrl: url,
    replaceLink: () => url,
  });
  const note = rewritten.refusal
    ? `safe unsubscribe not added: ${inWords(rewritten.refusal.code)}`
    : `safe unsubscribe offered (banner: html ${rewritten.html.toLowerCase()}, text ${rewritten.text.toLowerCase()}; ${rewritten.rewrittenLinks.length} link(s) rewritten; sender's links kept as request ${request.requestId})`;
  await deps.tracking.appendEvents(target.messageId, [
    trackingEvent(deps.clock, stage, 'unsubscribe-offered', note, [target.recipient]),
  ]);
  return rewritten.raw;
}

/**
 * A copy without the sender's List-Unsubscribe fields (RFC 2369, RFC 8058) where following
 * them would do harm. Mail programs show the field as their own Unsubscribe button:
 * - when our checks refuse one of its links for one of `recipients` (an intranet address, a
 *   blocklisted host, the recipient's own address), since the program calls it from the
 *   reader's machine, inside the network;
 * - on a copy delivered as spam (`spam`: suspect or positive), since unsubscribing from spam
 *   tells its sender the address is read. Safe unsubscribe is for graymail; a copy released
 *   by an admin is not delivered as spam.
 * For every copy we deliver or release, graymail with the banner aside (safeUnsubscribeCopy
 * replaces the field with ours). The body's links stay as the sender wrote them, like any
 * link in mail. Unchanged, and nothing recorded, otherwise.
 */
export async function withoutUnsafeListUnsubscribe(
  deps: PipelineDeps,
  messageId: string,
  raw: Buffer,
  recipients: readonly string[],
  stage: 'action' | 'release',
  options: {
    /** The verdict the copy is delivered with, when it is spam. */
    readonly spam?: 'suspect' | 'positive';
    /** The timeline says so already (an earlier delivery attempt): do not say it again. */
    readonly noted?: boolean;
  } = {},
): Promise<Buffer> {
  const header = readHeaderBlock(raw);
  const offered =
    headerValues(header, 'list-unsubscribe').length + headerValues(header, 'list-unsubscribe-post').length >
    0;
  if (!offered) return raw;
  let why: string | undefined;
  if (options.spam) {
    why = `the message is delivered as ${options.spam === 'positive' ? 'positive' : 'suspected'} spam, and unsubscribing from spam tells its sender the address is read`;
  } else {
    const refused = refusedListUnsubscribeLinks(deps, header, recipients);
    if (refused.length > 0) why = `our safety checks refuse ${describeRefused(refused)}`;
  }
  if (why === undefined) return raw;
  if (!options.noted) {
    await deps.tracking.appendEvents(messageId, [
      trackingEvent(
        deps.clock,
        stage,
        'unsubscribe-refused',
        `the sender's List-Unsubscribe header was removed: ${why}`,
        recipients,
      ),
    ]);
  }
  return withoutListUnsubscribe(raw);
}

/** The copy without the sender's List-Unsubscribe and List-Unsubscribe-Post fields. */
function withoutListUnsubscribe(raw: Buffer): Buffer {
  return replaceHeaderField(
    replaceHeaderField(raw, 'List-Unsubscribe', undefined),
    'List-Unsubscribe-Post',
    undefined,
  );
}

/** A refusal code for the timeline: `IP_LITERAL_HOST` → `ip literal host`. */
function inWords(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

/** The refused links for the timeline: each cut short, at most five, with the check's code. */
function describeRefused(refused: ReadonlyArray<{ uri: string; refusal: Refusal }>): string {
  const shown = refused
    .slice(0, 5)
    .map((r) => `${r.uri.length > 120 ? `${r.uri.slice(0, 120)}…` : r.uri} (${inWords(r.refusal.code)})`);
  const more = refused.length > 5 ? ` and ${refused.length - 5} more` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * RFC 8058 §4: one-click only when a verified DKIM signature covers List-Unsubscribe and
 * List-Unsubscribe-Post (see verifiedSignatureCoversListUnsubscribe). The trusted
 * Authentication-Results say which signatures verified; without them, SES's verdict.
 */
function dkimCoversListUnsubscribe(parsed: ParsedMessage, sesDkim: string | undefined): boolean {
  const auth = readTrustedAuthResults(parsed.header, [SES_AUTHSERV_ID, GATEWAY_AUTHSERV_ID]);
  return verifiedSignatureCoversListUnsubscribe(dkimSignatures(parsed.header), auth?.dkim, sesDkim);
}
