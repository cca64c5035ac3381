import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { CDK_JSON_CONTEXT, EXAMPLE_CONFIG_FILE, PROJECT_ROOT } from '../support/cdk-stack.ts';

const work = mkdtempSync(join(tmpdir(), 'graywall-app-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR. */
function runApp(
  context: Record<string, unknown>,
): Promise<{ status: number | null; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(join(work, 'out-'));
  const child = spawn(process.execPath, ['bin/app.ts'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }),
      CDK_OUTDIR: outdir,
      // The built-in CloudFormation validation adds ~10 s and is not what these tests are about.
      CDK_VALIDATION: 'false',
    },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, outdir }));
  });
}

function configFile(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

// The cases spawn a Node process each (~1.5 s of imports): run them side by side.
describe.concurrent('bin/app.ts', () => {
  it('synthesizes the stack from the example config, with cdk-nag passing', async ({ expect }) => {
    const result = await runApp({ config: EXAMPLE_CONFIG_FILE });
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);
    const template = JSON.parse(readFileSync(join(result.outdir, 'Graywall.template.json'), 'utf8'));
    expect(template.Resources).toBeDefined();
    expect(template.Description).toBe('Graywall email filter for example.com');
  });

  it('explains a bad config file and exits non-zero, without a stack trace', async ({ expect }) => {
    const path = configFile(
      'bad.yaml',
      'domains: [not a domain]\ndelivery: { type: smtp, host: mail.example.com, port: 70000 }\nantispam: { positiveThreshold: 10 }\n',
    );
    const result = await runApp({ config: path });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Graywall configuration error: ${path} is not valid:`);
    expect(result.stderr).toMatch(/domains\.0: must be a domain name/);
    expect(result.stderr).toMatch(/delivery\.port: /);
    expect(result.stderr).toMatch(/antispam\.positiveThreshold: must be 50 or more \(got 10\)/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(result.outdir, 'Graywall.template.json'))).toBe(false);
  });

  it('refuses a config that lets unsubscribe reach loopback addresses (local gateway only)', async ({
    expect,
  }) => {
    const example = readFileSync(EXAMPLE_CONFIG_FILE, 'utf8');
    // The example spells out the default (false) under `unsubscribe:`: turn it on there.
    expect(example).toMatch(/^unsubscribe:$/m);
    expect(example.match(/^ {2}allowLoopback: false$/gm)).toHaveLength(1);
    const path = configFile(
      'loopback.yaml',
      example.replace(/^ {2}allowLoopback: false$/m, '  allowLoopback: true'),
    );
    const result = await runApp({ config: path });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Graywall configuration error: unsubscribe.allowLoopback is for the local gateway and tests only: remove it before deploying',
    );
    expect(existsSync(join(result.outdir, 'Graywall.template.json'))).toBe(false);
  });

  it('says which file it cannot read', async ({ expect }) => {
    const missing = join(work, 'missing.yaml');
    const result = await runApp({ config: missing });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `Graywall configuration error: cannot read config file ${missing}: ENOENT`,
    );
  });

  it('asks for a config file when none is given (cdk.json names none: no silent example deploy)', async ({
    expect,
  }) => {
    expect(CDK_JSON_CONTEXT).not.toHaveProperty('config');
    for (const context of [{}, { config: '' }]) {
      const result = await runApp(context);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('no configuration file: pass -c config=<path to YAML or JSON>');
    }
  });
});
