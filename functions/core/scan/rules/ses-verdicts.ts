import type { Rule } from './rule.ts';

/** SES scanned the message on receipt and called it spam. One opinion among ours (multi-scan). */
export const SES_SPAM_VERDICT_FAIL: Rule = {
  id: 'SES_SPAM_VERDICT_FAIL',
  group: 'ses',
  description: 'Amazon SES spam verdict is FAIL',
  score: 50,
  check: ({ ses }) => (ses.spam === 'FAIL' ? { evidence: 'X-SES-Spam-Verdict: FAIL' } : null),
};

/** SES's virus scanner found malware. Never deliver that as clean. */
export const SES_VIRUS_VERDICT_FAIL: Rule = {
  id: 'SES_VIRUS_VERDICT_FAIL',
  group: 'ses',
  description: 'Amazon SES virus verdict is FAIL (malware detected)',
  score: 100,
  check: ({ ses }) => (ses.virus === 'FAIL' ? { evidence: 'X-SES-Virus-Verdict: FAIL' } : null),
};
