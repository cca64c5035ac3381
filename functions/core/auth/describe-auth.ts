import type { AuthResults, DkimCheck } from './types.ts';

/**
 * Sender authentication in one line for the message's timeline, the part of "why" an
 * operator checks first: "Sender authentication (amazonses.com): SPF pass for example.org;
 * DKIM pass for example.org (s1); DMARC pass for example.org".
 */
export function describeAuth(results: AuthResults): string {
  const domain = (d: string | undefined): string => (d ? ` for ${d}` : '');
  const dkim =
    results.dkim.length === 0
      ? 'DKIM none (unsigned)'
      : `DKIM ${results.dkim
          .slice(0, 3)
          .map((d: DkimCheck) => `${d.result}${domain(d.domain)}${d.selector ? ` (${d.selector})` : ''}`)
          .join(', ')}`;
  const parts = [
    `SPF ${results.spf ? `${results.spf.result}${domain(results.spf.domain)}` : 'not checked'}`,
    dkim,
    `DMARC ${results.dmarc ? `${results.dmarc.result}${domain(results.dmarc.domain)}${results.dmarc.policy ? ` (p=${results.dmarc.policy})` : ''}` : 'not checked'}`,
    ...(results.arc && results.arc.result !== 'none' ? [`ARC ${results.arc.result}`] : []),
  ];
  return `Sender authentication (${results.authservId}): ${parts.join('; ')}`;
}
