import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraymailCategory } from '../../../functions/core/graymail/classify-graymail.ts';
import { GRAYMAIL_CATEGORIES, type GraymailSample } from '../../../functions/core/graymail/evaluate.ts';
import { parseMessage } from '../../../functions/core/mime/parse-message.ts';

/** The labelled fixture set: test/fixtures/graymail/<label>/<name>.eml. */
export const GRAYMAIL_FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'graymail');

export interface GraymailFixture {
  readonly label: GraymailCategory;
  /** `<label>/<name>.eml`, relative to GRAYMAIL_FIXTURES. */
  readonly name: string;
  readonly raw: Buffer;
}

/** Every fixture, sorted by label then name so reports are stable. */
export function listGraymailFixtures(root: string = GRAYMAIL_FIXTURES): GraymailFixture[] {
  return GRAYMAIL_CATEGORIES.flatMap((label) =>
    readdirSync(join(root, label))
      .filter((file) => file.endsWith('.eml'))
      .sort()
      .map((file) => ({ label, name: `${label}/${file}`, raw: readFileSync(join(root, label, file)) })),
  );
}

export async function loadGraymailSamples(root?: string): Promise<GraymailSample[]> {
  return Promise.all(
    listGraymailFixtures(root).map(async ({ label, name, raw }) => ({
      label,
      name,
      message: await parseMessage(raw),
    })),
  );
}
