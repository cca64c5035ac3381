import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Page } from '../core/web/page-layout.ts';

/**
 * Headers of every HTML page we serve (the public pages and the admin web page). Pages carry
 * no scripts and load nothing: the policy forbids everything but their own inline style (the
 * admin page's charts are inline SVG) and posting forms back here; they may not be framed
 * (clickjacking a release or an unsubscribe), and the token in the URL is never sent on as a
 * Referer.
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

export function pageResponse(result: Page, status = result.status): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: PAGE_HEADERS, body: result.html };
}
