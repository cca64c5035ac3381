import type { FilterAction, FilterConfig } from '../config/filter-schema.ts';
import { type HeaderBlock, headerValues } from '../mime/raw-message.ts';
import { parseIp } from '../net/ip-address.ts';
import { findRange, parseIpRanges } from '../net/ip-range.ts';

/** What a filter can look at. */
export interface FilterFacts {
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly header: HeaderBlock;
  readonly senderIp?: string;
}

export interface FilterOutcome {
  /** Names of the filters whose conditions all held, in config order. */
  readonly matched: readonly string[];
  readonly skip: ReadonlySet<FilterAction>;
  /** For each action taken, the matched filters that asked for it, in config order. */
  readonly skippedBy: ReadonlyMap<FilterAction, readonly string[]>;
}

/** Input cut before a regular expression sees it: an admin pattern's worst case stays bounded. */
const MAX_MATCH_INPUT = 1000;

export interface CompiledFilter {
  readonly name: string;
  readonly actions: readonly FilterAction[];
  readonly test: (facts: FilterFacts) => boolean;
}

/** Compiles the filters once per container (patterns and address ranges parsed up front). */
export function compileFilters(filters: readonly FilterConfig[]): CompiledFilter[] {
  return filters.map((filter) => {
    const c = filter.conditions;
    const sender = c.sender ? new RegExp(c.sender, 'i') : undefined;
    const recipient = c.recipient ? new RegExp(c.recipient, 'i') : undefined;
    const header = c.header
      ? { key: c.header.name.toLowerCase(), re: new RegExp(c.header.matches, 'i') }
      : undefined;
    const ranges = c.senderIp ? parseIpRanges(c.senderIp) : undefined;
    const domains = c.receivingDomain ? new Set(c.receivingDomain) : undefined;
    const cut = (text: string): string => text.slice(0, MAX_MATCH_INPUT);
    const test = (facts: FilterFacts): boolean => {
      if (sender && !sender.test(cut(facts.envelopeFrom))) return false;
      if (recipient && !facts.recipients.some((r) => recipient.test(cut(r)))) return false;
      if (c.headerExists && headerValues(facts.header, c.headerExists).length === 0) return false;
      if (header && !headerValues(facts.header, header.key).some((v) => header.re.test(cut(v)))) return false;
      if (ranges) {
        const ip = facts.senderIp ? parseIp(facts.senderIp) : undefined;
        if (!ip || !findRange(ranges, ip)) return false;
      }
      if (
        domains &&
        !facts.recipients.some((r) => domains.has(r.slice(r.lastIndexOf('@') + 1).toLowerCase()))
      )
        return false;
      return true;
    };
    return { name: filter.name, actions: filter.actions, test };
  });
}

/** Every filter whose conditions all hold contributes its actions. */
export function evaluateFilters(filters: readonly CompiledFilter[], facts: FilterFacts): FilterOutcome {
  const matched: string[] = [];
  const skippedBy = new Map<FilterAction, string[]>();
  for (const filter of filters) {
    if (!filter.test(facts)) continue;
    matched.push(filter.name);
    for (const action of filter.actions)
      skippedBy.set(action, [...(skippedBy.get(action) ?? []), filter.name]);
  }
  return { matched, skip: new Set(skippedBy.keys()), skippedBy };
}
