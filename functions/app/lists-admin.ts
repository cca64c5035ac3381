import { addressPattern } from '../core/config/fields.ts';
import { BadRequestError } from '../core/errors.ts';
import type { ListEntry, ListKind, ListScope } from '../core/lists/sender-lists.ts';
import type { PipelineDeps } from './stage-deps.ts';

const MAX_ENTRIES_PER_CALL = 100;

/** Reads `for` as a list scope: absent means the organisation's list. */
export function listScope(forAddress: string | undefined): ListScope {
  if (!forAddress) return { type: 'global' };
  const parsed = addressPattern.safeParse(forAddress);
  if (!parsed.success || !parsed.data.includes('@'))
    throw new BadRequestError(
      `"for" must be a recipient address (got ${JSON.stringify(forAddress.slice(0, 80))})`,
    );
  return { type: 'user', address: parsed.data };
}

/** Validates and normalises entries (address, domain or .domain), refusing the batch on any bad one. */
export function listEntries(values: readonly unknown[]): string[] {
  if (values.length === 0 || values.length > MAX_ENTRIES_PER_CALL) {
    throw new BadRequestError(`give 1 to ${MAX_ENTRIES_PER_CALL} entries`);
  }
  return values.map((value) => {
    const parsed = addressPattern.safeParse(value);
    if (!parsed.success) {
      throw new BadRequestError(
        `${JSON.stringify(String(value).slice(0, 80))} is not an address (user@example.org), a domain (example.org) or a subdomain wildcard (.example.org)`,
      );
    }
    return parsed.data;
  });
}

export async function addToList(
  deps: Pick<PipelineDeps, 'lists' | 'clock' | 'log'>,
  scope: ListScope,
  kind: ListKind,
  entries: readonly string[],
  principal: string,
): Promise<ListEntry[]> {
  const addedAt = deps.clock.now().toISOString();
  const added = entries.map((entry) => ({ scope, kind, entry, addedBy: principal, addedAt }));
  for (const entry of added) await deps.lists.add(entry);
  deps.log.info('list entries added', { kind, scope, entries, principal });
  return added;
}

export async function removeFromList(
  deps: Pick<PipelineDeps, 'lists' | 'log'>,
  scope: ListScope,
  kind: ListKind,
  entries: readonly string[],
  principal: string,
): Promise<{ removed: string[]; absent: string[] }> {
  const removed: string[] = [];
  const absent: string[] = [];
  for (const entry of entries) ((await deps.lists.remove(scope, kind, entry)) ? removed : absent).push(entry);
  deps.log.info('list entries removed', { kind, scope, removed, principal });
  return { removed, absent };
}
