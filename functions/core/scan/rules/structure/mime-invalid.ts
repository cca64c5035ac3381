import type { Rule } from '../rule.ts';
import { viewOf } from '../support/message-view.ts';

/**
 * Broken MIME framing: a multipart type without a boundary, a boundary that never occurs, a
 * multipart body without its closing delimiter, or an unknown transfer encoding. Mail
 * programs get this right; hand-made bulk mail does not. The "no closing delimiter" check is
 * skipped in a partial scan (the end was not read).
 */
export const MIME_INVALID: Rule = {
  id: 'MIME_INVALID',
  group: 'structure',
  description:
    'MIME structure is broken (missing or unused boundary, no closing delimiter, unknown encoding)',
  score: 10,
  check: ({ message, raw, partial }) => {
    const outline = viewOf(message, raw).outline;
    if (!outline) return null;
    const problems = [
      ...(outline.missingBoundary ? ['multipart without boundary'] : []),
      ...(outline.boundaryNotFound ? ['boundary never used'] : []),
      ...(outline.unterminated && !partial && !outline.truncated ? ['no closing boundary'] : []),
      ...(outline.unknownEncoding ? ['unknown Content-Transfer-Encoding'] : []),
    ];
    return problems.length > 0 ? { evidence: problems.join(', ') } : null;
  },
};
