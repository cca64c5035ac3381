import { evidence, type Rule } from './rule.ts';

/**
 * The Generic Test for Unsolicited Bulk Email: a fixed string every anti-spam engine treats
 * as spam, so admins can test their policies end to end with a harmless message.
 */
export const GTUBE_STRING = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export const GTUBE: Rule = {
  id: 'GTUBE',
  group: 'test',
  description: 'Message contains the GTUBE anti-spam test string',
  score: 100,
  check: ({ message }) =>
    message.text.includes(GTUBE_STRING) || message.html.includes(GTUBE_STRING)
      ? { evidence: evidence(GTUBE_STRING) }
      : null,
};
