import { createServer, type Server } from 'node:http';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ActiveRuleSet,
  createRuleSetGuardHandler,
  respond,
} from '../../functions/handlers/rule-set-guard.ts';

/**
 * SES is played by an object (no SES inbound emulator exists); CloudFormation's response URL
 * is a real local HTTP server, so the response the handler PUTs is the one CloudFormation
 * would read.
 */
let server: Server;
let url: string;
const received: Array<{ method?: string; contentType?: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(text) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/response`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function ses(active: string | undefined, failing = false): ActiveRuleSet & { deactivated: number } {
  const fake = {
    deactivated: 0,
    name: async () => {
      if (failing) throw new Error('Throttling: Rate exceeded');
      return active;
    },
    deactivate: async () => {
      fake.deactivated++;
    },
  };
  return fake;
}

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  return {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:guard',
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Graywall/1',
    RequestId: `req-${requestType}`,
    LogicalResourceId: 'RuleSetGuard',
    ResourceType: 'Custom::GraywallReceiptRuleSetGuard',
    ResourceProperties: { ServiceToken: 'x', RuleSetName: 'Graywall-rules' },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'Graywall-rules-guard' }),
    ...(requestType === 'Update' ? { OldResourceProperties: {} } : {}),
  } as CloudFormationCustomResourceEvent;
}

const logged: string[] = [];
const guardWith = (fake: ActiveRuleSet) =>
  createRuleSetGuardHandler(fake, respond, (line) => logged.push(line));

describe('the receipt rule set guard', () => {
  it('deactivates our rule set on delete only when it is the active one', async () => {
    const ours = ses('Graywall-rules');
    const outcome = await guardWith(ours)(event('Delete'));
    expect(ours.deactivated).toBe(1);
    expect(outcome).toEqual({
      status: 'SUCCESS',
      reason: 'deactivated Graywall-rules so it can be deleted',
      physicalResourceId: 'Graywall-rules-guard',
    });
    expect(received.at(-1)).toEqual({
      method: 'PUT',
      contentType: '',
      body: {
        Status: 'SUCCESS',
        Reason: 'deactivated Graywall-rules so it can be deleted',
        PhysicalResourceId: 'Graywall-rules-guard',
        StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Graywall/1',
        RequestId: 'req-Delete',
        LogicalResourceId: 'RuleSetGuard',
      },
    });
  });

  it("leaves another active rule set alone (the organisation's inbound mail keeps flowing)", async () => {
    const theirs = ses('corp-main-rules');
    const outcome = await guardWith(theirs)(event('Delete'));
    expect(theirs.deactivated).toBe(0);
    expect(outcome.reason).toBe('corp-main-rules is active, not Graywall-rules: left alone');
    const none = ses(undefined);
    expect((await guardWith(none)(event('Delete'))).reason).toBe('no rule set is active');
    expect(none.deactivated).toBe(0);
  });

  it('does nothing on create and update, and names itself after the rule set', async () => {
    const ours = ses('Graywall-rules');
    expect(await guardWith(ours)(event('Create'))).toMatchObject({
      status: 'SUCCESS',
      physicalResourceId: 'Graywall-rules-guard',
    });
    await guardWith(ours)(event('Update'));
    expect(ours.deactivated).toBe(0);
  });

  it('reports an SES failure to CloudFormation instead of leaving the stack waiting', async () => {
    const outcome = await guardWith(ses('Graywall-rules', true))(event('Delete'));
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'SES: Throttling: Rate exceeded' });
    expect(received.at(-1)?.body).toMatchObject({ Status: 'FAILED', RequestId: 'req-Delete' });
    expect(JSON.parse(logged.at(-1) ?? '{}')).toMatchObject({ level: 'error', status: 'FAILED' });
  });
});
