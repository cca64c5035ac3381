import { headerPatternRule } from '../support/patterns.ts';

/** Mass-mailing programs that name themselves in X-Mailer. */
export const MAILER_BULK_TOOL = headerPatternRule({
  id: 'MAILER_BULK_TOOL',
  group: 'header',
  description: 'X-Mailer names a mass-mailing program',
  score: 20,
  headers: ['x-mailer', 'user-agent'],
  pattern:
    /(?:mass ?mail|bulk ?mail|group ?mail|express ?mail|e-?mail ?blaster|send ?blaster|mail ?king|emailer ?platinum|stealth ?mail|aureate|worldmerge|dynamic ?mail|advanced ?mass|atlas ?mail|extractor|super ?mailer|mailloop|direct ?email)/i,
});
