import { computedRule } from '../support/patterns.ts';

const EXECUTABLE = [
  'exe',
  'scr',
  'pif',
  'bat',
  'cmd',
  'com',
  'vbs',
  'vbe',
  'js',
  'jse',
  'wsf',
  'hta',
  'cpl',
  'msi',
  'jar',
  'lnk',
  'reg',
];

/** An attached program: mail viruses spread this way. */
export const ATTACHMENT_EXECUTABLE = computedRule(
  {
    id: 'ATTACHMENT_EXECUTABLE',
    group: 'structure',
    description: 'Has an executable attachment (.exe, .scr, .pif, .vbs, ...)',
    score: 20,
  },
  ({ message }) => {
    for (const attachment of message.attachments.slice(0, 50)) {
      const name = (attachment.filename ?? '').slice(0, 200).toLowerCase().trim();
      const dot = name.lastIndexOf('.');
      if (dot !== -1 && EXECUTABLE.includes(name.slice(dot + 1))) return name;
      const type = attachment.contentType.toLowerCase();
      if (type === 'application/x-msdownload' || type === 'application/x-msdos-program') return type;
    }
    return null;
  },
);
