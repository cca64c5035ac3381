/**
 * The admin API's routes: one table read by the handler (to dispatch) and by the CDK stack
 * (to create one IAM-authorised API Gateway route per entry), so the two cannot drift.
 */
export const ADMIN_ROUTES = [
  { method: 'GET', path: '/admin/quarantine', name: 'listQuarantine' },
  { method: 'GET', path: '/admin/quarantine/{messageId}', name: 'showQuarantined' },
  { method: 'POST', path: '/admin/quarantine/{messageId}/release', name: 'releaseQuarantined' },
  { method: 'DELETE', path: '/admin/quarantine/{messageId}', name: 'deleteQuarantined' },
  { method: 'GET', path: '/admin/messages', name: 'searchMessages' },
  { method: 'GET', path: '/admin/messages/{messageId}', name: 'getMessage' },
  { method: 'POST', path: '/admin/messages/{messageId}/redeliver', name: 'redeliver' },
  { method: 'GET', path: '/admin/lists/{kind}', name: 'listEntries' },
  { method: 'POST', path: '/admin/lists/{kind}', name: 'addListEntries' },
  { method: 'DELETE', path: '/admin/lists/{kind}', name: 'removeListEntries' },
  { method: 'GET', path: '/admin/reports', name: 'report' },
  { method: 'POST', path: '/admin/submissions', name: 'submit' },
  { method: 'GET', path: '/admin/submissions', name: 'listSubmissions' },
  { method: 'GET', path: '/admin/submissions/{submissionId}', name: 'getSubmission' },
  { method: 'POST', path: '/admin/submissions/{submissionId}/withdraw', name: 'withdrawSubmission' },
  { method: 'POST', path: '/admin/digests', name: 'sendDigests' },
  { method: 'GET', path: '/admin/version', name: 'version' },
  { method: 'GET', path: '/admin/model', name: 'modelStatus' },
  { method: 'GET', path: '/admin/model/versions', name: 'modelHistory' },
  { method: 'POST', path: '/admin/model/rollback', name: 'modelRollback' },
  { method: 'POST', path: '/admin/model/promote', name: 'modelPromote' },
  { method: 'POST', path: '/admin/model/retrain', name: 'modelRetrain' },
  { method: 'POST', path: '/admin/ui-session', name: 'uiSession' },
  { method: 'POST', path: '/admin/redrive/{stage}', name: 'redrive' },
] as const;

export type AdminRouteName = (typeof ADMIN_ROUTES)[number]['name'];

export interface MatchedRoute {
  readonly name: AdminRouteName;
  readonly params: Record<string, string>;
}

/** Finds the route for a method and path; `undefined` when none matches. */
export function matchAdminRoute(method: string, path: string): MatchedRoute | undefined {
  const parts = path.split('/').filter(Boolean);
  for (const route of ADMIN_ROUTES) {
    if (route.method !== method.toUpperCase()) continue;
    const template = route.path.split('/').filter(Boolean);
    if (template.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = template.every((segment, i) => {
      const part = parts[i] as string;
      if (segment.startsWith('{')) {
        // A malformed percent-encoding (`%E0%A4%A`) names nothing: no match, a 404, not a crash.
        try {
          params[segment.slice(1, -1)] = decodeURIComponent(part);
        } catch {
          return false;
        }
        return true;
      }
      return segment === part;
    });
    if (ok) return { name: route.name, params };
  }
  return undefined;
}

/** Whether some route has this path with another method (405 rather than 404). */
export function pathExists(path: string): boolean {
  return ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].some(
    (method) => matchAdminRoute(method, path) !== undefined,
  );
}
