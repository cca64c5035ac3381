import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import type { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import { actionsOf, buildStack, exampleConfig, logicalId, statementsOfRole } from '../support/cdk-stack.ts';

const vpc = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
};
const smtp = (extra: Record<string, unknown>) =>
  exampleConfig({ delivery: { type: 'smtp', host: 'mail.internal.example.com', ...extra } as never });

/** Every function that delivers or releases mail, and some that do not. */
function functions(built: ReturnType<typeof buildStack>) {
  const { stack } = built;
  return {
    delivering: {
      action: stack.pipeline.actionFunction,
      admin: stack.adminApi.adminFunction,
      adminUi: stack.adminUi.pagesFunction,
      digest: stack.digest.digestFunction,
      digestPages: stack.digest.pagesFunction,
    },
    other: {
      scan: stack.pipeline.scanFunction,
      graymail: stack.pipeline.graymailFunction,
      unsubscribePages: stack.unsubscribe.pagesFunction,
    },
  } satisfies Record<string, Record<string, GraywallFunction>>;
}

function vpcConfigOf(built: ReturnType<typeof buildStack>, fn: GraywallFunction) {
  const resource = built.template.toJSON().Resources[logicalId(built.stack, fn.function)];
  return resource.Properties.VpcConfig as { SubnetIds: string[]; SecurityGroupIds: unknown[] } | undefined;
}

describe('delivery.vpc', () => {
  const built = buildStack(smtp({ port: 25, vpc }));
  const { delivering, other } = functions(built);

  it('runs every function that delivers or releases mail in the named subnets, with an outbound-only security group', () => {
    for (const [name, fn] of Object.entries(delivering)) {
      const config = vpcConfigOf(built, fn);
      expect(config?.SubnetIds, name).toEqual(vpc.subnetIds);
      expect(config?.SecurityGroupIds, name).toHaveLength(1);
      const [group] = (config?.SecurityGroupIds ?? []) as Array<{ 'Fn::GetAtt': [string, string] }>;
      const sg = built.template.toJSON().Resources[group?.['Fn::GetAtt'][0] ?? ''];
      expect(sg.Type).toBe('AWS::EC2::SecurityGroup');
      expect(sg.Properties.VpcId).toBe(vpc.vpcId);
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([
        { CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' },
      ]);
    }
  });

  it('lets Lambda attach those functions to the VPC, and only those', () => {
    const managed = (fn: GraywallFunction) =>
      JSON.stringify(
        built.template.toJSON().Resources[logicalId(built.stack, fn.role)].Properties.ManagedPolicyArns ?? [],
      );
    for (const fn of Object.values(delivering))
      expect(managed(fn)).toContain('AWSLambdaVPCAccessExecutionRole');
    for (const fn of Object.values(other))
      expect(managed(fn)).not.toContain('AWSLambdaVPCAccessExecutionRole');
  });

  it('leaves the functions that deliver nothing outside the VPC', () => {
    for (const [name, fn] of Object.entries(other)) expect(vpcConfigOf(built, fn), name).toBeUndefined();
  });

  it('uses the security groups given instead of creating one', () => {
    const given = buildStack(
      smtp({ port: 587, vpc: { ...vpc, securityGroupIds: ['sg-0123456789abcdef0'] } }),
    );
    for (const fn of Object.values(functions(given).delivering))
      expect(vpcConfigOf(given, fn)?.SecurityGroupIds).toEqual(['sg-0123456789abcdef0']);
    expect(Object.keys(given.template.findResources('AWS::EC2::SecurityGroup'))).toHaveLength(0);
  });

  it('puts no function in a VPC without it', () => {
    const plain = buildStack(smtp({ port: 587 }));
    const all = functions(plain);
    for (const fn of [...Object.values(all.delivering), ...Object.values(all.other)])
      expect(vpcConfigOf(plain, fn)).toBeUndefined();
  });

  it('rejects ids that are not VPC, subnet or security group ids', () => {
    expect(() => smtp({ vpc: { vpcId: 'my-vpc', subnetIds: vpc.subnetIds } })).toThrow(
      /vpcId: must be a VPC id/,
    );
    expect(() => smtp({ vpc: { vpcId: vpc.vpcId, subnetIds: [] } })).toThrow(/name at least one subnet/);
    expect(() => smtp({ vpc: { ...vpc, securityGroupIds: ['default'] } })).toThrow(
      /must be a security group id/,
    );
  });
});

describe('delivery on port 25', () => {
  it('is refused outside a VPC: Lambda cannot connect to port 25 there', () => {
    expect(() => buildStack(smtp({}))).toThrow(ConfigError);
    expect(() => buildStack(smtp({ port: 25 }))).toThrow(
      /Lambda cannot connect to port 25 from outside a VPC/,
    );
  });

  it('is accepted from a VPC', () => {
    expect(() => buildStack(smtp({ port: 25, vpc }))).not.toThrow();
  });

  it('is refused for a policy alternate host outside a VPC, named or by default', () => {
    const withAlternate = (alternateHost: string, extra: Record<string, unknown> = {}) =>
      buildStack(
        exampleConfig({
          delivery: { type: 'smtp', host: 'mail.internal.example.com', port: 587, ...extra } as never,
          policies: { default: { suspect: { action: 'deliver', alternateHost } } } as never,
        }),
      );
    expect(() => withAlternate('mx2.example.com')).toThrow(
      'policies.default.suspect.alternateHost (mx2.example.com): Lambda cannot connect to port 25 from outside a VPC',
    );
    expect(() => withAlternate('mx2.example.com:25')).toThrow(ConfigError);
    expect(() => withAlternate('mx2.example.com:587')).not.toThrow();
    expect(() => withAlternate('mx2.example.com', { vpc })).not.toThrow();
  });
});

describe('delivery.auth', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:graywall/relay-login-AbCdEf';

  it('lets every function that delivers read the login secret, and no other', () => {
    const built = buildStack(smtp({ port: 587, tls: 'required', auth: { secret: arn } }));
    const { delivering, other } = functions(built);
    const reads = (fn: GraywallFunction) =>
      statementsOfRole(built.template, logicalId(built.stack, fn.role)).some(
        (s) =>
          actionsOf(s).includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes(arn),
      );
    for (const [name, fn] of Object.entries(delivering)) expect(reads(fn), name).toBe(true);
    for (const [name, fn] of Object.entries(other)) expect(reads(fn), name).toBe(false);
  });

  it('grants a partial ARN too: "mail-server" reads as a complete ARN ending in "server" or a partial one', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:graywall/mail-server';
    const built = buildStack(smtp({ port: 587, tls: 'required', auth: { secret: partial } }));
    const statements = statementsOfRole(
      built.template,
      logicalId(built.stack, built.stack.pipeline.actionFunction.role),
    );
    const grant = statements.find(
      (s) =>
        actionsOf(s).includes('secretsmanager:GetSecretValue') &&
        JSON.stringify(s.Resource).includes('mail-server'),
    );
    expect(grant?.Resource).toEqual(expect.arrayContaining([partial, `${partial}-??????`]));
  });

  it('names the secret by name too (any version suffix)', () => {
    const built = buildStack(smtp({ port: 587, tls: 'required', auth: { secret: 'graywall/relay-login' } }));
    const statements = statementsOfRole(
      built.template,
      logicalId(built.stack, built.stack.pipeline.actionFunction.role),
    );
    expect(JSON.stringify(statements)).toContain(':secret:graywall/relay-login-??????');
  });

  it('is refused where the password could be read: without TLS required', () => {
    expect(() => smtp({ port: 587, tls: 'opportunistic', auth: { secret: arn } })).toThrow(
      /delivery\.auth: needs tls: required \(or port 465\)/,
    );
    expect(() => smtp({ port: 465, tls: 'opportunistic', auth: { secret: arn } })).not.toThrow();
    expect(() => smtp({ port: 587, auth: { secret: 'my secret!' } })).toThrow(
      /must be a Secrets Manager secret name or ARN/,
    );
    // Nor to a server whose certificate goes unchecked.
    expect(() =>
      smtp({ port: 587, verifyCertificate: false, auth: { secret: 'graywall/relay-login' } }),
    ).toThrow(/delivery\.auth: needs verifyCertificate: true/);
  });
});
