import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/parse-config.ts';
import { ConfigError } from '../../../functions/core/errors.ts';

const minimal = 'domains: [example.com]\ndelivery: { type: smtp, host: mail.example.com }\n';

function issuesOf(antispam: string): readonly string[] {
  try {
    parseConfig(`${minimal}antispam: ${antispam}\n`, 'graywall.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('antispam settings', () => {
  it('takes a profile, size thresholds, a timeout, score overrides and composites', () => {
    // Act
    const { antispam } = parseConfig(
      `${minimal}antispam:
  profile: aggressive
  alwaysScanBelowBytes: 500000
  neverScanAboveBytes: 500000
  scanTimeoutSeconds: 5
  ruleScores: { URI_IP_HOST: 30, SALES_PITCH: 0 }
  composites:
    - { id: MY_COMBO, description: Two things at once, score: 25, allOf: [HTML_ONLY, URI_IP_HOST], noneOf: [LIST_UNSUBSCRIBE_ALIGNED] }
`,
    );
    // Assess
    expect(antispam).toMatchObject({
      profile: 'aggressive',
      alwaysScanBelowBytes: 500000,
      neverScanAboveBytes: 500000,
      scanTimeoutSeconds: 5,
      ruleScores: { URI_IP_HOST: 30, SALES_PITCH: 0 },
      composites: [{ id: 'MY_COMBO', score: 25, allOf: ['HTML_ONLY', 'URI_IP_HOST'] }],
    });
  });

  it('rejects an unknown profile', () => {
    expect(issuesOf('{ profile: paranoid }')).toEqual([
      'antispam.profile: must be one of "normal", "aggressive" (got "paranoid")',
    ]);
  });

  it('rejects a never-scan size below the always-scan size, and sizes out of range', () => {
    expect(issuesOf('{ alwaysScanBelowBytes: 2000000, neverScanAboveBytes: 1000000 }')).toEqual([
      'antispam.neverScanAboveBytes: must not be below alwaysScanBelowBytes (2000000) (got 1000000)',
    ]);
    expect(issuesOf('{ alwaysScanBelowBytes: 100, neverScanAboveBytes: 50000000 }')).toEqual([
      'antispam.alwaysScanBelowBytes: must be 1024 bytes or more (got 100)',
      'antispam.neverScanAboveBytes: must be 40 MiB (41943040) or less (got 50000000)',
    ]);
    // The default never-scan size (2 MiB) is checked against a configured always-scan size too,
    // and the error names the setting the file has, not the one it left to its default.
    expect(issuesOf('{ alwaysScanBelowBytes: 3000000 }')).toEqual([
      'antispam.alwaysScanBelowBytes: must not be above neverScanAboveBytes (2097152, the default) (got 3000000)',
    ]);
    expect(issuesOf('{ neverScanAboveBytes: 500000 }')).toEqual([
      'antispam.neverScanAboveBytes: must not be below alwaysScanBelowBytes (1048576, the default) (got 500000)',
    ]);
    // An out-of-range size is not compared with the other as well.
    expect(issuesOf('{ alwaysScanBelowBytes: 50000000 }')).toEqual([
      'antispam.alwaysScanBelowBytes: must be 40 MiB (41943040) or less (got 50000000)',
    ]);
  });

  it('keeps the scan timeout within 1-120 seconds', () => {
    expect(issuesOf('{ scanTimeoutSeconds: 0 }')).toEqual([
      'antispam.scanTimeoutSeconds: must be 1 or more (got 0)',
    ]);
    expect(issuesOf('{ scanTimeoutSeconds: 121 }')).toEqual([
      'antispam.scanTimeoutSeconds: must be 120 or less (got 121)',
    ]);
    expect(issuesOf('{ scanTimeoutSeconds: 1.5 }')[0]).toMatch(/^antispam\.scanTimeoutSeconds: /);
  });

  it('names unknown rules and out-of-range scores in ruleScores', () => {
    expect(issuesOf('{ ruleScores: { URI_IP_HOTS: 10 } }')).toEqual([
      'antispam.ruleScores.URI_IP_HOTS: URI_IP_HOTS is not a rule or composite (got 10)',
    ]);
    expect(issuesOf('{ ruleScores: { URI_IP_HOST: 500 } }')).toEqual([
      'antispam.ruleScores.URI_IP_HOST: must be 100 or less (got 500)',
    ]);
    expect(issuesOf('{ ruleScores: { uri_ip_host: 5 } }')).toEqual([
      'antispam.ruleScores.uri_ip_host: uri_ip_host is not a rule or composite (ids are UPPER_SNAKE: URI_IP_HOST) (got 5)',
    ]);
  });

  it('checks composites: rule references, clashing and duplicate ids', () => {
    const composite = (body: string) => `{ composites: [${body}] }`;
    expect(issuesOf(composite('{ id: MINE, description: x, score: 5, allOf: [NO_SUCH_RULE] }'))).toEqual([
      'antispam.composites.0.allOf.0: NO_SUCH_RULE is not a rule (composites combine rules, not other composites) (got "NO_SUCH_RULE")',
    ]);
    expect(issuesOf(composite('{ id: HTML_ONLY, description: x, score: 5, allOf: [URI_IP_HOST] }'))).toEqual([
      'antispam.composites.0.id: HTML_ONLY is a rule, not a composite: choose another id (got "HTML_ONLY")',
    ]);
    expect(
      issuesOf(
        composite(
          '{ id: MINE, description: x, score: 5, allOf: [HTML_ONLY] }, { id: MINE, description: y, score: 5, allOf: [URI_IP_HOST] }',
        ),
      ),
    ).toEqual(['antispam.composites.1.id: MINE is defined twice (got "MINE")']);
    expect(issuesOf(composite('{ id: MINE, description: x, score: 5, allOf: [] }'))).toEqual([
      'antispam.composites.0.allOf: name at least one rule',
    ]);
  });
});
