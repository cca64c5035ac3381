import { describe, expect, it } from 'vitest';
import { compileEngineInputs, type ExternalEnginesPort } from '../../functions/app/engine-inputs.ts';
import type { ConfigInput } from '../../functions/core/config/schema.ts';
import { testConfig } from '../support/gateway-harness.ts';

const port: ExternalEnginesPort = { scan: async () => [] };
const engines: ConfigInput['antispam'] = {
  externalEngines: [{ type: 'rspamd', url: 'http://127.0.0.1:11333' }],
};

describe('compileEngineInputs', () => {
  it('asks external engines only when a policy in any table uses multi-scan', () => {
    const withPolicies = (policies: object) =>
      compileEngineInputs(testConfig({ antispam: engines, policies }), { external: port });
    expect(withPolicies({}).external).toBeUndefined();
    expect(withPolicies({ default: { engine: 'multi-scan' } }).external?.weights).toEqual([1]);
    expect(
      withPolicies({ incoming: [{ name: 'in', senders: ['a.example'], engine: 'multi-scan' }] }).external,
    ).toBeDefined();
    expect(
      withPolicies({ outgoing: [{ name: 'out', recipients: ['b.example'], engine: 'multi-scan' }] }).external,
    ).toBeDefined();
  });
});
