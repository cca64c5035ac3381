import { Validations } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, type HttpRouteIntegration } from 'aws-cdk-lib/aws-apigatewayv2';
import { QUARANTINE_TABLE } from '../../functions/adapters/table-definitions.ts';

/** A route as the handlers' route tables declare it (PUBLIC_ROUTES, ADMIN_UI_ROUTES). */
export interface TokenRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

/**
 * Adds routes whose credential is a signed, expiring token in the path instead of IAM: they
 * are opened from mail or a browser, which cannot sign requests with SigV4. cdk-nag's
 * AwsSolutions-APIG4 (no authoriser) is acknowledged on each, with `reason`.
 */
export function addTokenRoutes(
  api: HttpApi,
  routes: readonly TokenRoute[],
  integration: HttpRouteIntegration,
  reason: string,
): void {
  for (const route of routes) {
    const [added] = api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    if (added) Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason });
  }
}

/** A quarantine index by name, refusing a name the table does not define (a grant on nothing). */
export function quarantineIndex(name: string): string {
  if (!QUARANTINE_TABLE.indexes.some((index) => index.name === name))
    throw new Error(`the quarantine table has no index ${name}`);
  return name;
}
