/**
 * The admin web page's routes (functions/handlers/admin-ui.ts). No IAM authoriser: browsers
 * cannot sign requests with SigV4, so the credential is the signed, short-lived session token
 * in the path, which only the IAM-authorised admin API issues (POST /admin/ui-session). Read by
 * the handler and by the CDK stack, like ADMIN_ROUTES and PUBLIC_ROUTES.
 */
export const ADMIN_UI_ROUTES = [
  { method: 'GET', path: '/ui/{token}', name: 'overview' },
  { method: 'GET', path: '/ui/{token}/quarantine', name: 'searchQuarantine' },
  { method: 'POST', path: '/ui/{token}/release/{messageId}', name: 'release' },
] as const;

export type AdminUiRouteName = (typeof ADMIN_UI_ROUTES)[number]['name'];

const TOKEN = '[A-Za-z0-9_.-]{1,600}';
const MESSAGE_ID = '[A-Za-z0-9._-]{1,128}';
const PATTERNS: ReadonlyArray<readonly [RegExp, 'GET' | 'POST', AdminUiRouteName]> = [
  [new RegExp(`^/ui/(${TOKEN})$`), 'GET', 'overview'],
  [new RegExp(`^/ui/(${TOKEN})/quarantine$`), 'GET', 'searchQuarantine'],
  [new RegExp(`^/ui/(${TOKEN})/release/(${MESSAGE_ID})$`), 'POST', 'release'],
];

export function matchAdminUiRoute(
  method: string,
  path: string,
): { name: AdminUiRouteName; token: string; messageId?: string } | undefined {
  for (const [pattern, routeMethod, name] of PATTERNS) {
    if (routeMethod !== method.toUpperCase()) continue;
    const match = pattern.exec(path);
    if (match) return { name, token: match[1] as string, ...(match[2] ? { messageId: match[2] } : {}) };
  }
  return undefined;
}
