#!/usr/bin/env node
// The CDK app: `npx cdk synth|deploy -c config=<file>`. There is deliberately no default
// config: a deploy that forgot `-c config=` must stop, not deploy the example (example.com's
// rule set would become the account's active one). Runs on Node 24 directly (type
// stripping), no compile step.
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfigFile } from '../functions/adapters/config-file.ts';
import { ConfigError } from '../functions/core/errors.ts';
import { GraywallStack } from '../lib/graywall-stack.ts';

const app = new App();

try {
  const configContext = app.node.tryGetContext('config') as unknown;
  if (typeof configContext !== 'string' || configContext.trim() === '') {
    throw new ConfigError('no configuration file: pass -c config=<path to YAML or JSON>');
  }
  const config = loadConfigFile(resolve(configContext));
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Graywall';
  // -c activateRuleSet=false leaves the account's active SES rule set alone (see MailIngress).
  const activate = app.node.tryGetContext('activateRuleSet') as unknown;
  // -c ruleSet=<name> adds our rule to that existing rule set instead of creating one.
  const ruleSet = app.node.tryGetContext('ruleSet') as unknown;
  if (ruleSet !== undefined && typeof ruleSet !== 'string') {
    throw new ConfigError('-c ruleSet= takes the name of an existing SES receipt rule set');
  }
  // -c ruleSetAfter=<rule> puts it after that rule of the set (else first: SES's default).
  const after = app.node.tryGetContext('ruleSetAfter') as unknown;
  if (after !== undefined && typeof after !== 'string') {
    throw new ConfigError('-c ruleSetAfter= takes the name of a rule in the rule set given by -c ruleSet=');
  }
  new GraywallStack(app, stackName, {
    config,
    description: `Graywall email filter for ${config.domains.join(', ')}`,
    activateRuleSet: !(activate === false || activate === 'false'),
    ...(ruleSet === undefined ? {} : { existingRuleSetName: ruleSet }),
    ...(after === undefined ? {} : { afterRuleName: after }),
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration mistake is the admin's to fix: say what is wrong, no stack trace.
  process.stderr.write(`Graywall configuration error: ${error.message}\n`);
  process.exit(1);
}

// AwsSolutions findings are errors: synth fails unless each is fixed or acknowledged in code.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
