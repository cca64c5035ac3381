import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { digestPage } from '../app/digest.ts';
import { confirmUnsubscribe, showUnsubscribe, unsubscribeStatus } from '../app/safe-unsubscribe.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { invalidLinkPage } from '../core/unsubscribe/pages.ts';
import { flushMetrics } from './flush-metrics.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { pageResponse } from './page-response.ts';
import { matchPublicRoute } from './public-routes.ts';

/** The public pages: safe unsubscribe (/u/...) and the end user's quarantine (/q/...). */
export function createPublicPagesHandler(getDeps: () => PipelineDeps) {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>().handler(
    async (event, context) => {
      const deps = getDeps();
      const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
      const route = matchPublicRoute(event.requestContext.http.method, event.rawPath);
      // Tokens are capabilities: the route name goes into the log, never the path.
      const log = deps.log.child({ requestId, route: route?.name ?? 'none' });
      const branding = { organisation: deps.config.organisation.name };
      try {
        if (!route) return pageResponse(invalidLinkPage(branding, 'This address is not a valid link.'), 404);
        const scoped = { ...deps, log };
        switch (route.name) {
          case 'showUnsubscribe':
            return pageResponse(await showUnsubscribe(scoped, route.token));
          case 'confirmUnsubscribe':
            return pageResponse(await confirmUnsubscribe(scoped, route.token));
          case 'unsubscribeStatus':
            return pageResponse(await unsubscribeStatus(scoped, route.token));
          case 'viewQuarantine':
            return pageResponse(await digestPage(scoped, route.token, 'view'));
          case 'confirmRelease':
            return pageResponse(await digestPage(scoped, route.token, 'confirm-release', route.messageId));
          case 'release':
            return pageResponse(await digestPage(scoped, route.token, 'release', route.messageId));
          case 'confirmAllow':
            return pageResponse(await digestPage(scoped, route.token, 'confirm-allow', route.messageId));
          case 'allow':
            return pageResponse(await digestPage(scoped, route.token, 'allow', route.messageId));
        }
      } catch (error) {
        log.error('public page failed', { error });
        return pageResponse(
          invalidLinkPage(
            branding,
            `Something went wrong on our side. Please try again in a few minutes (reference ${requestId}).`,
          ),
          500,
        );
      }
    },
  );
  return handler.use(flushMetrics(getDeps));
}

export const handler = createPublicPagesHandler(lambdaDeps);
