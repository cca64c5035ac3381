import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type AdminUiRequest, adminUiPage } from '../app/admin-ui.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { adminPageError, adminPageNotFound } from '../core/admin-ui/pages.ts';
import { matchAdminUiRoute } from './admin-ui-routes.ts';
import { flushMetrics } from './flush-metrics.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { pageResponse } from './page-response.ts';

/** A release form carries one hidden field; anything much larger is not ours. */
const MAX_FORM_BODY = 4096;

/** The admin web page under /ui/{token} (its own function: it can release, the public pages' functions cannot all). */
export function createAdminUiHandler(getDeps: () => PipelineDeps) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>().handler(
    async (event, context) => {
      const deps = getDeps();
      const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
      const route = matchAdminUiRoute(event.requestContext.http.method, event.rawPath);
      // The token is a capability: the route name goes into the log, never the path.
      const log = deps.log.child({ requestId, route: route?.name ?? 'none' });
      const branding = { organisation: deps.config.organisation.name };
      try {
        if (!route) return pageResponse(adminPageNotFound(branding));
        const request: AdminUiRequest =
          route.name === 'overview'
            ? { kind: 'overview' }
            : route.name === 'searchQuarantine'
              ? { kind: 'quarantine', query: event.queryStringParameters ?? {} }
              : {
                  kind: 'release',
                  messageId: route.messageId ?? '',
                  recipient: formField(event, 'recipient'),
                  reportNotSpam: formField(event, 'report') === 'not-spam',
                };
        return pageResponse(await adminUiPage({ ...deps, log }, route.token, request));
      } catch (error) {
        log.error('admin web page failed', { error });
        return pageResponse(adminPageError(branding, requestId));
      }
    },
  );
  // A release counts deliveries (Stage=release): flushed per request, like the other handlers.
  return handler.use(flushMetrics(getDeps));
}

/** One field of an application/x-www-form-urlencoded body (API Gateway may base64 it). */
function formField(event: APIGatewayProxyEventV2, name: string): string | undefined {
  if (!event.body || event.body.length > MAX_FORM_BODY * 2) return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (text.length > MAX_FORM_BODY) return undefined;
  return new URLSearchParams(text).get(name) ?? undefined;
}

export const handler = createAdminUiHandler(lambdaDeps);
