import { addressPattern } from '../core/config/fields.ts';
import { BadRequestError } from '../core/errors.ts';
import type { ListEntry, ListKind, ListScope } from '../core/lists/sender-lists.ts';
import type { PipelineDeps } from './stage-deps.ts';

const MAX_ENTRIES_PER_CALL = 100;

/**
 * Reads `for` as a list scope: absent means the organisation's list. A recipient's own list
 * is for an address in one of our domains: an entry for anyone else would never apply.
 */
export function listScope(forAddress: string | undefined, domains: readonly string[]): ListScope {
  if (!forAddress) return { type: 'global' };
  const parsed = addressPattern.safeParse(forAddress);
  if (!parsed.success || !parsed.data.includes('@'))
    throw new BadRequestError(
      `"for" must be a recipient address (got ${JSON.stringify(forAddress.slice(0, 80))})`,
    );
  const domain = parsed.data.slice(parsed.data.lastIndexOf('@') + 1);
  if (!domains.includes(domain))
    throw new BadRequestError(
      `"for" must be an address in one of our domains (${domains.join(', ')}); ${parsed.data} is not`,
    );
  return { type: 'user', address: parsed.data };
}

/**
 * Validates and normalises entries (address, domain or .domain), refusing the batch on any bad
 * one. `ownDomains`, when given (blocklists), are refused as whole-domain entries: blocking our
 * own domain would block the mail our users send each other (block a forged address instead).
 */
export function listEntries(values: readonly unknown[], ownDomains: readonly string[] = []): string[] {
  if (values.length === 0 || values.length > MAX_ENTRIES_PER_CALL) {
    throw new BadRequestError(`give 1 to ${MAX_ENTRIES_PER_CALL} entries`);
  }
  return values.map((value) => {
    if (String(value).includes('*'))
      throw new BadRequestError(
        `${JSON.stringify(String(value).slice(0, 80))}: no wildcards; example.org matches everyone at example.org, .example.org its subdomains`,
      );
    const parsed = addressPattern.safeParse(value);
    if (!parsed.success) {
      throw new BadRequestError(
        `${JSON.stringify(String(value).slice(0, 80))} is not an address (user@example.org), a domain (example.org) or a subdomain wildcard (.example.org)`,
      );
    }
    const domain = parsed.data.replace(/^\./, '');
    if (!parsed.data.includes('@') && ownDomains.some((own) => own === domain || own.endsWith(`.${domain}`)))
      throw new BadRequestError(
        `${parsed.data} is our own domain: blocking it would block mail between our users; block the forged address instead`,
      );
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
