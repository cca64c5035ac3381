import { describe, expect, it } from 'vitest';
import { formatResultHeader } from '../../../functions/core/scan/result-header.ts';
import type { Reason, ScanResult } from '../../../functions/core/scan/types.ts';

const reason = (id: string, score: number): Reason => ({ id, group: 'header', description: id, score });

describe('formatResultHeader', () => {
  it("names score, verdict, graymail and the top reasons, leaving out the scale's starting point", () => {
    // Prepare
    const scan: ScanResult = {
      score: 62,
      verdict: 'suspect',
      reasons: [
        { ...reason('SCORE_BASELINE', 38.9), group: 'statistical' } satisfies Reason,
        reason('URI_IP_HOST', 12),
        reason('STATISTICAL_SPAM', 8.4),
        reason('FROM_FREEMAIL', 1.1),
        reason('SUBJECT_ALL_CAPS', 1),
        reason('PRIORITY_HIGH', 0.6),
        reason('TO_UNDISCLOSED', 0),
      ],
      engineVersion: 'rules-x+stat2-y',
    };
    // Act
    const header = formatResultHeader(scan, { category: 'none', reasons: [] });
    // Assess
    expect(header).toBe(
      'score=62; verdict=suspected spam; graymail=none; top=URI_IP_HOST(+12), STATISTICAL_SPAM(+8.4), FROM_FREEMAIL(+1.1), SUBJECT_ALL_CAPS(+1), PRIORITY_HIGH(+0.6); engine=rules-x+stat2-y',
    );
  });
});
