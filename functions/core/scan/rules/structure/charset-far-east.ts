import { headerValues } from '../../../mime/raw-message.ts';
import type { Rule } from '../rule.ts';
import { viewOf } from '../support/message-view.ts';

/**
 * Text in a Chinese, Japanese or Korean charset. Not spam by itself: it is here so that a
 * site that does not expect such mail gets a learned weight for it (and can raise the score
 * in config), as SpamAssassin's CHARSET_FARAWAY does.
 */
const FAR_EAST = [
  'gb2312',
  'gbk',
  'gb18030',
  'big5',
  'euc-kr',
  'ks_c_5601',
  'iso-2022-kr',
  'euc-jp',
  'shift_jis',
  'iso-2022-jp',
  'euc-cn',
  'hz-gb',
];

export const CHARSET_FAR_EAST: Rule = {
  id: 'CHARSET_FAR_EAST',
  group: 'structure',
  description: 'Text is in a Chinese, Japanese or Korean character set',
  score: 5,
  check: ({ message, raw }) => {
    const declared = [
      ...(viewOf(message, raw).outline?.parts.map((p) => p.charset) ?? []),
      ...headerValues(message.header, 'content-type').map((v) => v.slice(0, 300).toLowerCase()),
      (headerValues(message.header, 'subject')[0] ?? '').slice(0, 300).toLowerCase(),
    ];
    for (const value of declared) {
      const found = FAR_EAST.find((charset) => value.includes(charset));
      if (found) return { evidence: found };
    }
    return null;
  },
};
