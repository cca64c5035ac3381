import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { digestPage } from '../app/digest.ts';
import { confirmUnsubscribe, showUnsubscribe, unsubscribeStatus } from '../app/safe-unsubscribe.ts';
import type { PipelineDeps } from '../app/stage-deps.ts';
import { invalidLinkPage } from '../core/unsubscribe/pages.ts';
import type { Page } from '../core/web/page-layout.ts';
import { flushMetrics } from './flush-metrics.ts';
import { lambdaDeps } from './lambda-deps.ts';
import { matchPublicRoute } from './public-routes.ts';

/**
 * Pages carry no scripts and load nothing: the policy forbids everything but their own
 * inline style and posting forms back here; they may not be framed (clickjacking a release
 * or an unsubscribe), and the token in the URL is never sent on as a Referer.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

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
        if (!route) return page(invalidLinkPage(branding, 'This address is not a valid link.'), 404);
        const scoped = { ...deps, log };
        switch (route.name) {
          case 'showUnsubscribe':
            return page(await showUnsubscribe(scoped, route.token));
          case 'confirmUnsubscribe':
            return page(await confirmUnsubscribe(scoped, route.token));
          case 'unsubscribeStatus':
            return page(await unsubscribeStatus(scoped, route.token));
          case 'viewQuarantine':
            return page(await digestPage(scoped, route.token, 'view'));
          case 'confirmRelease':
            return page(await digestPage(scoped, route.token, 'confirm-release', route.messageId));
          case 'release':
            return page(await digestPage(scoped, route.token, 'release', route.messageId));
          case 'confirmAllow':
            return page(await digestPage(scoped, route.token, 'confirm-allow', route.messageId));
          case 'allow':
            return page(await digestPage(scoped, route.token, 'allow', route.messageId));
        }
      } catch (error) {
        log.error('public page failed', { error });
        return page(
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

function page(result: Page, status = result.status): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: PAGE_HEADERS, body: result.html };
}

export const handler = createPublicPagesHandler(lambdaDeps);
