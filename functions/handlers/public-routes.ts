/**
 * The public (unauthenticated) routes: the safe-unsubscribe pages. A signed token in the
 * path is the only credential; the pages reveal nothing but that request's own status.
 * Read by the handler and by the CDK stack, like ADMIN_ROUTES.
 */
export const PUBLIC_ROUTES = [
  { method: 'GET', path: '/u/{token}', name: 'showUnsubscribe' },
  { method: 'POST', path: '/u/{token}', name: 'confirmUnsubscribe' },
  { method: 'GET', path: '/u/{token}/status', name: 'unsubscribeStatus' },
] as const;

export function matchPublicRoute(
  method: string,
  path: string,
): { name: (typeof PUBLIC_ROUTES)[number]['name']; token: string } | undefined {
  const match = /^\/u\/([A-Za-z0-9_.-]{1,600})(\/status)?$/.exec(path);
  if (!match) return undefined;
  const token = match[1] as string;
  if (match[2]) return method === 'GET' ? { name: 'unsubscribeStatus', token } : undefined;
  if (method === 'GET') return { name: 'showUnsubscribe', token };
  if (method === 'POST') return { name: 'confirmUnsubscribe', token };
  return undefined;
}
