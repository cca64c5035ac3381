import type { ActionSettings, GraywallConfig } from '../config/schema.ts';
import type { GraymailResult } from '../graymail/classify-graymail.ts';
import type { ScanResult, SpamVerdict } from '../scan/types.ts';

export type ActionName = ActionSettings['action'];

/** What happens to a group of recipients of one message, and why. */
export interface RecipientPlan {
  readonly recipients: readonly string[];
  /** Name of the policy that matched these recipients. */
  readonly policy: string;
  /** Which of the policy's settings applied (the verdict, or `clean`). */
  readonly matched: SpamVerdict;
  readonly action: ActionName;
  readonly prependSubject?: string;
}

export const DEFAULT_POLICY = 'default';

/**
 * Decides what to do with each recipient. Pure: the verdict and config in, a plan out.
 * With only the default policy every recipient is in one group; per-recipient policies
 * split the message into several groups.
 */
export function planActions(
  policy: GraywallConfig['policy'],
  scan: ScanResult,
  _graymail: GraymailResult | undefined,
  recipients: readonly string[],
): RecipientPlan[] {
  const settings: ActionSettings | undefined =
    scan.verdict === 'positive'
      ? policy.positive
      : scan.verdict === 'suspect'
        ? policy.suspect
        : scan.verdict === 'unscannable'
          ? policy.unscannable
          : undefined;
  const action = settings?.action ?? 'deliver';
  return [
    {
      recipients,
      policy: DEFAULT_POLICY,
      matched: scan.verdict,
      action,
      ...(settings?.prependSubject ? { prependSubject: settings.prependSubject } : {}),
    },
  ];
}
