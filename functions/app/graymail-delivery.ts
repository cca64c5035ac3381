import { ConfigError } from '../core/errors.ts';
import { parseMessage } from '../core/mime/parse-message.ts';
import type { RecipientPlan } from '../core/policy/plan-actions.ts';
import { type Modifiers, renderForDelivery } from '../core/policy/render-delivery.ts';
import { renderUnsubscribeBanner } from '../core/unsubscribe/banner.ts';
import { dkimDomainsCoveringListUnsubscribe } from '../core/unsubscribe/list-unsubscribe.ts';
import { rewriteForSafeUnsubscribe } from '../core/unsubscribe/rewrite-message.ts';
import { deliver } from './deliver.ts';
import type { ClassifiedMessage } from './pipeline-messages.ts';
import type { Transport } from './ports.ts';
import { offerUnsubscribe } from './safe-unsubscribe.ts';
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
): Promise<void> {
  if (!deps.publicBaseUrl)
    throw new ConfigError(
      'safe unsubscribe needs the public base URL of the unsubscribe pages (PUBLIC_BASE_URL)',
    );
  const id = message.mail.messageId;
  const parsed = await parseMessage(raw);
  // RFC 8058 §4: one-click only when a verified DKIM signature covers both header fields.
  const dkimPass =
    message.mail.ses.dkim === 'PASS' && dkimDomainsCoveringListUnsubscribe(parsed.header).length > 0;
  const remaining = [...plan.recipients];
  try {
    while (remaining.length > 0) {
      const recipient = remaining[0] as string;
      const { url, request } = await offerUnsubscribe(deps, {
        messageId: id,
        recipient,
        envelopeFrom: message.mail.envelopeFrom,
        ...(from ? { from } : {}),
        ...(subject ? { subject } : {}),
        header: parsed.header,
        html: parsed.html,
        text: parsed.text,
        dkimPass,
      });
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
        ? `safe unsubscribe not added: ${rewritten.refusal.code.toLowerCase().replace(/_/g, ' ')}`
        : `safe unsubscribe offered (banner: html ${rewritten.html.toLowerCase()}, text ${rewritten.text.toLowerCase()}; ${rewritten.rewrittenLinks.length} link(s) rewritten; sender's links kept as request ${request.requestId})`;
      await deps.tracking.appendEvents(id, [
        trackingEvent(deps.clock, 'action', 'unsubscribe-offered', note, [recipient]),
      ]);
      const bytes = renderForDelivery(
        rewritten.raw,
        { ...message.scan, verdict: plan.verdict },
        { category: message.graymail.category },
        modifiers,
        plan.policy,
      );
      remaining.shift();
      // deliver() gives this recipient's claim back itself if it fails.
      await deliver(
        deps,
        id,
        message.mail.envelopeFrom,
        { recipients: [recipient], policy: plan.policy },
        bytes,
        why,
        { transport },
      );
    }
  } catch (error) {
    if (remaining.length > 0) await deps.tracking.releaseClaims(id, remaining);
    throw error;
  }
}
