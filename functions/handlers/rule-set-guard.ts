import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  DescribeActiveReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * The CloudFormation custom resource that lets the stack delete its SES receipt rule set.
 * SES refuses to delete the active rule set, and has one active set per account and region.
 * On Delete this resource deactivates the set, but only when the set being deleted is the
 * active one: deactivating without that check (SetActiveReceiptRuleSet without a name)
 * switches off inbound mail for the whole region, whoever's set was active. Create and Update
 * do nothing (activating is the job of the activation resource, which can be switched off).
 *
 * It answers CloudFormation itself (a PUT to the pre-signed ResponseURL), so it needs no
 * provider framework.
 */

/** The two SES calls this needs, behind a port so tests can play SES. */
export interface ActiveRuleSet {
  /** The active rule set's name, or undefined when none is active. */
  name(): Promise<string | undefined>;
  deactivate(): Promise<void>;
}

export interface GuardOutcome {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason: string;
  readonly physicalResourceId: string;
}

/** What to do for one event; never throws (a failure is reported to CloudFormation). */
export async function guardRuleSet(
  event: CloudFormationCustomResourceEvent,
  ses: ActiveRuleSet,
): Promise<GuardOutcome> {
  const ruleSet = String(event.ResourceProperties.RuleSetName ?? '');
  const physicalResourceId = event.RequestType === 'Create' ? `${ruleSet}-guard` : event.PhysicalResourceId;
  if (event.RequestType !== 'Delete')
    return { status: 'SUCCESS', reason: 'nothing to do', physicalResourceId };
  try {
    const active = await ses.name();
    if (active !== ruleSet)
      return {
        status: 'SUCCESS',
        reason: active ? `${active} is active, not ${ruleSet}: left alone` : 'no rule set is active',
        physicalResourceId,
      };
    await ses.deactivate();
    return { status: 'SUCCESS', reason: `deactivated ${ruleSet} so it can be deleted`, physicalResourceId };
  } catch (error) {
    return { status: 'FAILED', reason: `SES: ${(error as Error).message}`.slice(0, 500), physicalResourceId };
  }
}

export function sesActiveRuleSet(ses: SESClient): ActiveRuleSet {
  return {
    async name() {
      return (await ses.send(new DescribeActiveReceiptRuleSetCommand({}))).Metadata?.Name;
    },
    async deactivate() {
      await ses.send(new SetActiveReceiptRuleSetCommand({}));
    },
  };
}

/** Sends the outcome to CloudFormation's pre-signed S3 URL (an empty content type, as it is signed). */
export function respond(event: CloudFormationCustomResourceEvent, outcome: GuardOutcome): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.reason,
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // CloudFormation's URL is https; plain http only reaches a test's local server.
  const request = event.ResponseURL.startsWith('http:') ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      event.ResponseURL,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`response PUT: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function createRuleSetGuardHandler(
  ses: ActiveRuleSet,
  send: (event: CloudFormationCustomResourceEvent, outcome: GuardOutcome) => Promise<void> = respond,
  writeLog: (line: string) => void = (line) => process.stdout.write(line),
) {
  return async (event: CloudFormationCustomResourceEvent): Promise<GuardOutcome> => {
    const outcome = await guardRuleSet(event, ses);
    const level = outcome.status === 'SUCCESS' ? 'info' : 'error';
    writeLog(
      `${JSON.stringify({ level, message: 'rule set guard', requestType: event.RequestType, ...outcome })}\n`,
    );
    await send(event, outcome);
    return outcome;
  };
}

export const handler = createRuleSetGuardHandler(sesActiveRuleSet(new SESClient({})));
