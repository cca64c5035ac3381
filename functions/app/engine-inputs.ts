import { authReasons, authResultsFromVerdicts } from '../core/auth/auth-reasons.ts';
import {
  GATEWAY_AUTHSERV_ID,
  readTrustedAuthResults,
  SES_AUTHSERV_ID,
} from '../core/auth/trusted-auth-results.ts';
import type { AuthResults } from '../core/auth/types.ts';
import type { GraywallConfig } from '../core/config/schema.ts';
import { type CompiledFilter, compileFilters } from '../core/filters/evaluate-filters.ts';
import type { ParsedMessage } from '../core/mime/parse-message.ts';
import type { HeaderBlock } from '../core/mime/raw-message.ts';
import { externalEngineReason } from '../core/multiscan/engine-reasons.ts';
import type { ExternalEngineOutcome } from '../core/multiscan/engine-verdict.ts';
import { type CompiledRelay, compileRelays } from '../core/relay/relay-config.ts';
import { connectingIpOf, determineSenderIp, type SenderIp } from '../core/relay/sender-ip.ts';
import { type DnsListPort, dnsListReasons, planDnsListQueries } from '../core/reputation/dns-lists.ts';
import {
  type CompiledReputation,
  compileReputation,
  reputationReasons,
} from '../core/reputation/local-lists.ts';
import { extractUrlHosts } from '../core/reputation/url-hosts.ts';
import type { Reason } from '../core/scan/types.ts';
import type { InboundMail } from './pipeline-messages.ts';

/** Asks the configured external engines (rspamd, spamd) about one message; never rejects. */
export interface ExternalEnginesPort {
  scan(
    raw: Uint8Array,
    context: { senderIp?: string; envelopeFrom?: string; recipients?: readonly string[]; queueId?: string },
  ): Promise<ExternalEngineOutcome[]>;
}

/** What the scan stage needs besides the core engine, compiled once per container. */
export interface EngineInputs {
  readonly relays: readonly CompiledRelay[];
  readonly reputation: CompiledReputation;
  readonly filters: readonly CompiledFilter[];
  readonly dnsLists?: DnsListPort;
  /** Present only when engines are configured and some policy uses `engine: multi-scan`. */
  readonly external?: { readonly port: ExternalEnginesPort; readonly weights: readonly number[] };
}

export function compileEngineInputs(
  config: Pick<GraywallConfig, 'antispam' | 'policies' | 'filters'>,
  ports: { readonly dnsLists?: DnsListPort; readonly external?: ExternalEnginesPort } = {},
): EngineInputs {
  const { antispam, policies } = config;
  const multiScan = [policies.default, ...policies.incoming, ...policies.outgoing].some(
    (policy) => policy.engine === 'multi-scan',
  );
  return {
    relays: compileRelays(antispam.relays),
    reputation: compileReputation(antispam.reputation),
    filters: compileFilters(config.filters),
    ...(antispam.reputation.dnsLists.enabled && ports.dnsLists ? { dnsLists: ports.dnsLists } : {}),
    ...(multiScan && antispam.externalEngines.length > 0 && ports.external
      ? { external: { port: ports.external, weights: antispam.externalEngines.map((e) => e.weight) } }
      : {}),
  };
}

/** The sender's IP: the connecting IP SES (or the gateway) recorded, or the one behind a configured relay. */
export function senderIpOf(header: HeaderBlock, inputs: EngineInputs): SenderIp {
  return determineSenderIp(header, connectingIpOf(header), inputs.relays);
}

/**
 * Reasons from the engines around the core scan: SPF/DKIM/DMARC/ARC as SES (or the local
 * gateway) found them, the organisation's reputation lists, DNS lists when enabled, and
 * other engines' verdicts under multi-scan.
 */
export async function externalReasons(
  config: Pick<GraywallConfig, 'antispam'>,
  inputs: EngineInputs,
  mail: InboundMail,
  message: ParsedMessage,
  raw: Uint8Array,
  senderIp: string | undefined,
): Promise<Reason[]> {
  // Only the top-most Authentication-Results from SES or our gateway count; a sender can
  // write the header too. Without one, SES's verdicts from the receipt notification.
  const auth: AuthResults =
    readTrustedAuthResults(message.header, [SES_AUTHSERV_ID, GATEWAY_AUTHSERV_ID]) ??
    authResultsFromVerdicts(mail.ses);
  const reasons: Reason[] = authReasons(auth);
  const fromAddress = message.from?.address;
  const domainOf = (address: string | undefined): string | undefined =>
    address?.includes('@') ? address.slice(address.lastIndexOf('@') + 1).toLowerCase() : undefined;
  const authenticatedDomains = [
    auth.dmarc?.result === 'pass' ? (auth.dmarc.domain ?? domainOf(fromAddress)) : undefined,
    auth.spf?.result === 'pass' ? (auth.spf.domain ?? domainOf(mail.envelopeFrom)) : undefined,
    ...auth.dkim.filter((d) => d.result === 'pass').map((d) => d.domain),
  ].filter((d): d is string => Boolean(d));
  const urlHosts = extractUrlHosts([message.text, message.html]);
  reasons.push(
    ...reputationReasons(
      {
        ...(senderIp ? { senderIp } : {}),
        envelopeFrom: mail.envelopeFrom,
        ...(fromAddress ? { fromAddress } : {}),
        authenticatedDomains,
        urlHosts,
      },
      inputs.reputation,
    ),
  );
  const lookups: Array<Promise<Reason[]>> = [];
  if (inputs.dnsLists) {
    const dnsLists = config.antispam.reputation.dnsLists;
    const senderDomains = [domainOf(mail.envelopeFrom), domainOf(fromAddress)].filter((d): d is string =>
      Boolean(d),
    );
    const queries = planDnsListQueries(
      { ...(senderIp ? { senderIp } : {}), senderDomains, urlHosts },
      dnsLists,
      inputs.reputation.allowUriDomains,
    );
    lookups.push(inputs.dnsLists.lookup(queries).then((answers) => dnsListReasons(answers, dnsLists)));
  }
  if (inputs.external) {
    const { port, weights } = inputs.external;
    lookups.push(
      port
        .scan(raw, {
          ...(senderIp ? { senderIp } : {}),
          envelopeFrom: mail.envelopeFrom,
          recipients: mail.recipients,
          queueId: mail.messageId,
        })
        .then((outcomes) => outcomes.map((outcome, i) => externalEngineReason(outcome, weights[i] ?? 1))),
    );
  }
  for (const found of await Promise.all(lookups)) reasons.push(...found);
  return reasons;
}
