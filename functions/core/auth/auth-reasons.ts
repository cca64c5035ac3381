import type { Reason, SesVerdicts, VerdictStatus } from '../scan/types.ts';
import type { AuthResults, AuthVerdicts, DkimCheck, DmarcPolicy } from './types.ts';

/**
 * Sender authentication as reasons. Authentication says who sent a message, not whether it
 * is spam (spammers publish SPF and sign with DKIM too), so passing earns at most a small
 * credit; failing is evidence of forgery, weighted by what the domain owner asked for.
 */

export const AUTH_REASON = {
  /** RFC 7208 §2.6.4: the domain says this IP is not allowed to send its mail. */
  SPF_FAIL: 'SPF_FAIL',
  /** RFC 7208 §2.6.5: "probably not authorised". */
  SPF_SOFTFAIL: 'SPF_SOFTFAIL',
  /** RFC 7208 §2.6.7: the domain's SPF record is broken. */
  SPF_PERMERROR: 'SPF_PERMERROR',
  /** RFC 6376 §6.1: signatures present, none verified. */
  DKIM_INVALID: 'DKIM_INVALID',
  /** RFC 7489 §6.3: DMARC failed and the author domain asks receivers to reject. */
  DMARC_FAIL_REJECT: 'DMARC_FAIL_REJECT',
  DMARC_FAIL_QUARANTINE: 'DMARC_FAIL_QUARANTINE',
  /** DMARC failed under `p=none` (the domain only monitors). */
  DMARC_FAIL_NONE: 'DMARC_FAIL_NONE',
  /** DMARC failed and the policy is not known (SES does not report it in the header). */
  DMARC_FAIL: 'DMARC_FAIL',
  /** RFC 7489: aligned SPF or DKIM for the From domain. */
  DMARC_PASS: 'DMARC_PASS',
  /** RFC 8617 §5.2: the ARC chain is broken. */
  ARC_FAIL: 'ARC_FAIL',
  /** RFC 8617: an intact chain; anyone can seal, so only a token credit. */
  ARC_PASS: 'ARC_PASS',
} as const;
export type AuthReasonId = (typeof AUTH_REASON)[keyof typeof AUTH_REASON];

/** Default contributions to the 0-100 score; config may override them by id. */
export const AUTH_REASON_SCORES: Readonly<Record<AuthReasonId, number>> = {
  SPF_FAIL: 15,
  SPF_SOFTFAIL: 6,
  SPF_PERMERROR: 4,
  DKIM_INVALID: 8,
  DMARC_FAIL_REJECT: 35,
  DMARC_FAIL_QUARANTINE: 25,
  DMARC_FAIL_NONE: 5,
  DMARC_FAIL: 15,
  DMARC_PASS: -5,
  ARC_FAIL: 4,
  ARC_PASS: -1,
};

const DESCRIPTIONS: Readonly<Record<AuthReasonId, string>> = {
  SPF_FAIL: 'SPF fails: the sender domain does not allow the sending IP',
  SPF_SOFTFAIL: 'SPF soft-fails: the sender domain says the sending IP is probably not allowed',
  SPF_PERMERROR: "The sender domain's SPF record is broken",
  DKIM_INVALID: 'DKIM signature(s) present but none verifies (altered or forged)',
  DMARC_FAIL_REJECT: 'DMARC fails and the From domain asks for rejection (p=reject)',
  DMARC_FAIL_QUARANTINE: 'DMARC fails and the From domain asks for quarantine (p=quarantine)',
  DMARC_FAIL_NONE: 'DMARC fails; the From domain only monitors (p=none)',
  DMARC_FAIL: 'DMARC fails for the From domain',
  DMARC_PASS: 'DMARC passes: the From domain is authenticated',
  ARC_FAIL: 'The ARC chain of forwarders is broken',
  ARC_PASS: 'The ARC chain of forwarders is intact',
};

const MAX_EVIDENCE = 120;

/** The reasons for one set of results, in the order spf, dkim, dmarc, arc. */
export function authReasons(
  results: AuthResults,
  scores: Partial<Record<AuthReasonId, number>> = {},
): Reason[] {
  const reasons: Reason[] = [];
  const by = ` (by ${results.authservId})`;
  const add = (id: AuthReasonId, evidence: string) =>
    reasons.push({
      id,
      group: 'ses',
      description: DESCRIPTIONS[id],
      score: scores[id] ?? AUTH_REASON_SCORES[id],
      evidence: clip(evidence + by),
    });

  const spf = results.spf;
  const spfDomain = spf?.domain ? ` smtp.mailfrom=${spf.domain}` : '';
  if (spf?.result === 'fail') add(AUTH_REASON.SPF_FAIL, `spf=fail${spfDomain}`);
  else if (spf?.result === 'softfail') add(AUTH_REASON.SPF_SOFTFAIL, `spf=softfail${spfDomain}`);
  else if (spf?.result === 'permerror') add(AUTH_REASON.SPF_PERMERROR, `spf=permerror${spfDomain}`);

  // A list that re-signs, or a footer that breaks one of two signatures, is normal: only a
  // message none of whose signatures verifies counts.
  const failed = results.dkim.filter((d) => d.result === 'fail' || d.result === 'neutral');
  if (failed.length > 0 && !results.dkim.some((d) => d.result === 'pass')) {
    add(AUTH_REASON.DKIM_INVALID, failed.slice(0, 3).map(describeDkim).join(', '));
  }

  const dmarc = results.dmarc;
  const from = dmarc?.domain ? ` header.from=${dmarc.domain}` : '';
  if (dmarc?.result === 'fail') {
    const id = dmarcFailId(dmarc.policy);
    add(id, `dmarc=fail${dmarc.policy ? ` policy.dmarc=${dmarc.policy}` : ''}${from}`);
  } else if (dmarc?.result === 'pass') {
    add(AUTH_REASON.DMARC_PASS, `dmarc=pass${from}`);
  }

  if (results.arc?.result === 'fail') add(AUTH_REASON.ARC_FAIL, 'arc=fail');
  else if (results.arc?.result === 'pass') add(AUTH_REASON.ARC_PASS, 'arc=pass');
  return reasons;
}

function dmarcFailId(policy: DmarcPolicy | undefined): AuthReasonId {
  if (policy === 'reject') return AUTH_REASON.DMARC_FAIL_REJECT;
  if (policy === 'quarantine') return AUTH_REASON.DMARC_FAIL_QUARANTINE;
  if (policy === 'none') return AUTH_REASON.DMARC_FAIL_NONE;
  return AUTH_REASON.DMARC_FAIL;
}

function describeDkim(check: DkimCheck): string {
  return `dkim=${check.result}${check.domain ? ` header.d=${check.domain}` : ''}${check.selector ? ` header.s=${check.selector}` : ''}`;
}

/**
 * Results in SES's verdict vocabulary (the receipt notification's spfVerdict, dkimVerdict,
 * dmarcVerdict), so local verification and SES can be recorded alike.
 */
export function authVerdicts(results: AuthResults): AuthVerdicts {
  const status = (result: string | undefined): VerdictStatus | undefined => {
    if (result === undefined) return undefined;
    if (result === 'pass') return 'PASS';
    if (result === 'fail') return 'FAIL';
    if (result === 'temperror' || result === 'permerror') return 'PROCESSING_FAILED';
    return 'GRAY';
  };
  const dkim = results.dkim;
  let dkimStatus: VerdictStatus = 'GRAY';
  if (dkim.some((d) => d.result === 'pass')) dkimStatus = 'PASS';
  else if (dkim.some((d) => d.result === 'fail' || d.result === 'neutral')) dkimStatus = 'FAIL';
  else if (dkim.some((d) => d.result === 'temperror' || d.result === 'permerror')) {
    dkimStatus = 'PROCESSING_FAILED';
  }
  const spf = status(results.spf?.result);
  const dmarc = status(results.dmarc?.result);
  const arc = status(results.arc?.result);
  return {
    ...(spf ? { spf } : {}),
    dkim: dkimStatus,
    ...(dmarc ? { dmarc } : {}),
    ...(arc ? { arc } : {}),
  };
}

/**
 * Results from SES's receipt notification verdicts, for a message whose stored copy carries
 * no trusted Authentication-Results. Coarser than the header: GRAY hides which of
 * softfail/neutral/none it was, so it maps to `neutral`/no result and scores nothing. The
 * notification's `dmarcPolicy` (present when DMARC failed) gives the policy.
 */
export function authResultsFromVerdicts(ses: SesVerdicts, dmarcPolicy?: string): AuthResults {
  const policy = (['none', 'quarantine', 'reject'] as const).find((p) => p === dmarcPolicy?.toLowerCase());
  const spf = ses.spf === 'PASS' ? 'pass' : ses.spf === 'FAIL' ? 'fail' : undefined;
  const dkim = ses.dkim === 'PASS' ? 'pass' : ses.dkim === 'FAIL' ? 'fail' : undefined;
  const dmarc = ses.dmarc === 'PASS' ? 'pass' : ses.dmarc === 'FAIL' ? 'fail' : undefined;
  return {
    authservId: 'amazonses.com receipt',
    ...(spf ? { spf: { result: spf } } : {}),
    dkim: dkim ? [{ result: dkim }] : [],
    ...(dmarc ? { dmarc: { result: dmarc, ...(policy ? { policy } : {}) } } : {}),
  };
}

function clip(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > MAX_EVIDENCE ? `${clean.slice(0, MAX_EVIDENCE - 1)}…` : clean;
}
