import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The standard corpus and split (shared/CORPUS.md), shared by `npm run train` and
 * `npm run bench`: within each group the `.txt` names sorted ascending, 0-based index i,
 * TEST when i % 5 == 4, TRAIN otherwise. The `.json` files beside them are ignored.
 */
export const CORPUS_DIR = join(
  import.meta.dirname,
  '..',
  'node_modules',
  '@stdlib',
  'datasets-spam-assassin',
  'data',
);

export const GROUPS = [
  { name: 'easy-ham-1', spam: false, kind: 'easy-ham' },
  { name: 'easy-ham-2', spam: false, kind: 'easy-ham' },
  { name: 'hard-ham-1', spam: false, kind: 'hard-ham' },
  { name: 'spam-1', spam: true, kind: 'spam' },
  { name: 'spam-2', spam: true, kind: 'spam' },
] as const;

export type GroupName = (typeof GROUPS)[number]['name'];
export type Kind = (typeof GROUPS)[number]['kind'];
export type Split = 'train' | 'test';

export interface CorpusEntry {
  readonly group: GroupName;
  readonly kind: Kind;
  readonly spam: boolean;
  readonly file: string;
  /** 0-based index of the file in its group's ascending name order. */
  readonly index: number;
  readonly split: Split;
}

export function listCorpus(dir: string = CORPUS_DIR): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  for (const group of GROUPS) {
    const names = readdirSync(join(dir, group.name))
      .filter((name) => name.endsWith('.txt'))
      // Plain code-unit order (C locale), never localeCompare.
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    names.forEach((name, index) => {
      entries.push({
        group: group.name,
        kind: group.kind,
        spam: group.spam,
        file: join(dir, group.name, name),
        index,
        split: index % 5 === 4 ? 'test' : 'train',
      });
    });
  }
  return entries;
}

export function readEntry(entry: CorpusEntry): Buffer {
  return readFileSync(entry.file);
}
