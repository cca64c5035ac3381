/**
 * The public (unauthenticated) routes: the safe-unsubscribe pages and the end user's
 * quarantine pages behind digest links. A signed token in the path is the only credential;
 * the pages reveal nothing but that token's own request or recipient. Read by the handler
 * and by the CDK stack, like ADMIN_ROUTES.
 */
export const PUBLIC_ROUTES = [
  { method: 'GET', path: '/u/{token}', name: 'showUnsubscribe' },
  { method: 'POST', path: '/u/{token}', name: 'confirmUnsubscribe' },
  { method: 'GET', path: '/u/{token}/status', name: 'unsubscribeStatus' },
  { method: 'GET', path: '/q/{token}', name: 'viewQuarantine' },
  { method: 'GET', path: '/q/{token}/release/{messageId}', name: 'confirmRelease' },
  { method: 'POST', path: '/q/{token}/release/{messageId}', name: 'release' },
  { method: 'GET', path: '/q/{token}/allow/{messageId}', name: 'confirmAllow' },
  { method: 'POST', path: '/q/{token}/allow/{messageId}', name: 'allow' },
] as const;

export type PublicRouteName = (typeof PUBLIC_ROUTES)[number]['name'];

const TOKEN = '[A-Za-z0-9_.-]{1,600}';
const MESSAGE_ID = '[A-Za-z0-9._-]{1,128}';
const PATTERNS: ReadonlyArray<readonly [RegExp, 'GET' | 'POST', PublicRouteName]> = [
  [new RegExp(`^/u/(${TOKEN})$`), 'GET', 'showUnsubscribe'],
  [new RegExp(`^/u/(${TOKEN})$`), 'POST', 'confirmUnsubscribe'],
  [new RegExp(`^/u/(${TOKEN})/status$`), 'GET', 'unsubscribeStatus'],
  [new RegExp(`^/q/(${TOKEN})$`), 'GET', 'viewQuarantine'],
  [new RegExp(`^/q/(${TOKEN})/release/(${MESSAGE_ID})$`), 'GET', 'confirmRelease'],
  [new RegExp(`^/q/(${TOKEN})/release/(${MESSAGE_ID})$`), 'POST', 'release'],
  [new RegExp(`^/q/(${TOKEN})/allow/(${MESSAGE_ID})$`), 'GET', 'confirmAllow'],
  [new RegExp(`^/q/(${TOKEN})/allow/(${MESSAGE_ID})$`), 'POST', 'allow'],
];

export function matchPublicRoute(
  method: string,
  path: string,
): { name: PublicRouteName; token: string; messageId?: string } | undefined {
  for (const [pattern, routeMethod, name] of PATTERNS) {
    if (routeMethod !== method) continue;
    const match = pattern.exec(path);
    if (match) return { name, token: match[1] as string, ...(match[2] ? { messageId: match[2] } : {}) };
  }
  return undefined;
}
