import type { ActionSettings, GraymailActionSettings } from '../config/policy-schema.ts';
import type { GraymailCategory } from '../graymail/classify-graymail.ts';
import type { SpamVerdict } from '../scan/types.ts';
import { verdictForScore } from '../scan/verdict.ts';
import { type EffectivePolicy, type PolicyTable, policyFor } from './match-policy.ts';

export type ActionName = ActionSettings['action'];

/** A sender the recipient (or the whole organisation) safelisted or blocklisted. */
export type ListVerdict = 'safelisted' | 'blocklisted';

/** What happens to a group of recipients of one message, and why. */
export interface RecipientPlan {
  readonly recipients: readonly string[];
  /** Name of the policy that matched these recipients. */
  readonly policy: string;
  /** The verdict under that policy's engine and thresholds. */
  readonly verdict: SpamVerdict;
  /** Which of the policy's settings applied (`clean` means plain delivery). */
  readonly settings: ActionSettings | GraymailActionSettings;
  /** The graymail category whose action applied, when one did. */
  readonly graymail?: Exclude<GraymailCategory, 'none'>;
  /** Why the verdict differs from the message's score, when it does (shown in tracking). */
  readonly notes: readonly string[];
  /** A safelist or blocklist entry decided the verdict (the score did not), and which. */
  readonly list?: { readonly verdict: ListVerdict; readonly reason: string };
  /** The policy switched anti-spam off: the delivered copy must not read as scored. */
  readonly engineDisabled?: true;
}

export interface PlanInput {
  /** 0-100 score from the scan stage. */
  readonly score: number;
  /** The scan stage's verdict; only `unscannable` is taken over as is, the rest is re-derived per policy. */
  readonly scanVerdict: SpamVerdict;
  readonly envelopeFrom: string;
  /** SPF passed for the envelope sender's domain: only then may mail count as outgoing. */
  readonly senderAuthenticated?: boolean;
  readonly recipients: readonly string[];
  /** The graymail stage's category (`none` or absent: not graymail). */
  readonly graymail?: GraymailCategory;
  /** S/MIME or PGP signed or encrypted: never modified, and with onlyUnsigned not acted on as graymail. */
  readonly signed?: boolean;
  /** Safelist/blocklist outcome per recipient, when a list matched the sender, and why. */
  readonly lists?: ReadonlyMap<string, { readonly verdict: ListVerdict; readonly reason: string }>;
  /**
   * SES's virus scan found malware. Nothing lets that through as clean: not a safelist entry
   * (which anyone can get a user to add, and a compromised partner account would inherit),
   * not a policy with anti-spam off.
   */
  readonly malware?: boolean;
}

const PLAIN_DELIVERY: ActionSettings = { action: 'deliver', archive: false };

/**
 * Decides what to do with each recipient. Recipients under different policies (or with
 * different list outcomes) end up in different groups: the message is split, and each group
 * is handled and tracked under its own policy. Pure: verdict, config and lists in, a plan out.
 */
export function planActions(table: PolicyTable, input: PlanInput): RecipientPlan[] {
  const groups = new Map<string, { recipients: string[]; plan: Omit<RecipientPlan, 'recipients'> }>();
  for (const recipient of input.recipients) {
    const policy = policyFor(table, input.envelopeFrom, recipient, input.senderAuthenticated ?? false);
    const plan = decide(policy, input, input.lists?.get(recipient));
    const key = `${plan.policy}\u0000${plan.verdict}\u0000${plan.graymail ?? ''}\u0000${plan.notes.join('|')}`;
    const group = groups.get(key);
    if (group) group.recipients.push(recipient);
    else groups.set(key, { recipients: [recipient], plan });
  }
  return [...groups.values()].map(({ recipients, plan }) => ({ recipients, ...plan }));
}

const VERDICT_NAMES: Record<SpamVerdict, string> = {
  positive: 'positive spam',
  suspect: 'suspected spam',
  clean: 'not spam',
  unscannable: 'not scanned',
};

function decide(
  policy: EffectivePolicy,
  input: PlanInput,
  list: { readonly verdict: ListVerdict; readonly reason: string } | undefined,
): Omit<RecipientPlan, 'recipients'> {
  const notes: string[] = [];
  let verdict: SpamVerdict;
  if (input.malware) {
    verdict = 'positive';
    notes.push(
      `SES found malware (virus verdict FAIL): positive spam, whatever ${list ? 'the list entry' : 'the policy'} says`,
    );
    return { policy: policy.name, verdict, settings: policy.positive, notes };
  }
  if (list?.verdict === 'blocklisted') {
    verdict = 'positive';
    notes.push(`${list.reason}: treated as positive spam`);
  } else if (list?.verdict === 'safelisted') {
    verdict = 'clean';
    notes.push(`${list.reason}: spam and graymail verdicts skipped`);
  } else if (policy.engine === 'disabled') {
    // Before "unscannable": a policy that wants no scanning has no use for its unscannable action.
    verdict = 'clean';
    notes.push(`anti-spam is disabled by policy "${policy.name}"`);
  } else if (input.scanVerdict === 'unscannable') {
    verdict = 'unscannable';
  } else {
    verdict = verdictForScore(input.score, policy);
    // The policy's own thresholds decided otherwise than the message-wide verdict: say so,
    // or a quarantined "suspect 62" reads as a policy bug.
    if (verdict !== input.scanVerdict) {
      notes.push(
        `score ${input.score} is ${VERDICT_NAMES[verdict]} under policy "${policy.name}" ` +
          `(suspect from ${policy.suspectThreshold}, positive from ${policy.positiveThreshold})`,
      );
    }
    if (verdict === 'suspect' && !policy.suspectScanning) {
      verdict = 'clean';
      notes.push(`suspect scanning is off in policy "${policy.name}"`);
    }
  }
  const disabled = !list && policy.engine === 'disabled' ? ({ engineDisabled: true } as const) : {};
  if (verdict === 'clean' && list?.verdict !== 'safelisted' && input.graymail && input.graymail !== 'none') {
    return {
      policy: policy.name,
      verdict,
      notes,
      ...disabled,
      ...graymailDecision(policy, input.graymail, input.signed ?? false, notes),
    };
  }
  const settings =
    verdict === 'positive'
      ? policy.positive
      : verdict === 'suspect'
        ? policy.suspect
        : verdict === 'unscannable'
          ? policy.unscannable
          : PLAIN_DELIVERY;
  return { policy: policy.name, verdict, settings, notes, ...disabled, ...(list ? { list } : {}) };
}

/**
 * Graymail is judged only for mail that is not spam: the spam verdict's action wins. In
 * monitor-only mode the category is recorded and the mail delivered as is.
 */
function graymailDecision(
  policy: EffectivePolicy,
  category: Exclude<GraymailCategory, 'none'>,
  signed: boolean,
  notes: string[],
): Pick<RecipientPlan, 'settings' | 'graymail'> {
  if (policy.graymail.monitorOnly) {
    notes.push(`graymail (${category}) recorded only: policy "${policy.name}" is in monitor-only mode`);
    return { settings: PLAIN_DELIVERY };
  }
  if (signed && policy.graymail.onlyUnsigned) {
    notes.push(`graymail (${category}) not acted on: the message is signed or encrypted`);
    return { settings: PLAIN_DELIVERY };
  }
  return { settings: policy.graymail[category], graymail: category };
}
