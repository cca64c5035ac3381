import { describe, expect, it } from 'vitest';
import { GTUBE, GTUBE_STRING } from '../../../../functions/core/scan/rules/gtube.ts';
import {
  SES_SPAM_VERDICT_FAIL,
  SES_VIRUS_VERDICT_FAIL,
} from '../../../../functions/core/scan/rules/ses-verdicts.ts';
import { X_ADVERTISEMENT_SPAM } from '../../../../functions/core/scan/rules/x-advertisement-spam.ts';
import { parse } from '../../../support/parsed.ts';

const clean = 'From: a@b.example\nSubject: hello\n\nJust saying hello.\n';

describe('GTUBE', () => {
  it('fires on the test string in the text or the HTML part', async () => {
    const text = await parse(`From: a@b.example\nSubject: t\n\n${GTUBE_STRING}\n`);
    expect(GTUBE.check({ message: text, ses: {} })).toEqual({
      evidence: expect.stringContaining('GTUBE-STANDARD'),
    });
    const html = await parse(`From: a@b.example\nContent-Type: text/html\n\n<p>${GTUBE_STRING}</p>\n`);
    expect(GTUBE.check({ message: html, ses: {} })).not.toBeNull();
  });

  it('stays silent on ordinary mail and on a partial string', async () => {
    expect(GTUBE.check({ message: await parse(clean), ses: {} })).toBeNull();
    expect(
      GTUBE.check({ message: await parse(`Subject: x\n\n${GTUBE_STRING.slice(0, 40)}\n`), ses: {} }),
    ).toBeNull();
  });
});

describe('X_ADVERTISEMENT_SPAM', () => {
  it('fires on "X-Advertisement: spam" in any case', async () => {
    const message = await parse('From: a@b.example\nX-Advertisement: SPAM\n\nx\n');
    expect(X_ADVERTISEMENT_SPAM.check({ message, ses: {} })).toEqual({ evidence: 'X-Advertisement: SPAM' });
  });

  it('stays silent on other values and other headers', async () => {
    expect(
      X_ADVERTISEMENT_SPAM.check({ message: await parse('X-Advertisement: newsletter\n\nx\n'), ses: {} }),
    ).toBeNull();
    expect(X_ADVERTISEMENT_SPAM.check({ message: await parse(`${clean}`), ses: {} })).toBeNull();
  });
});

describe('SES verdict rules', () => {
  it('fire on FAIL only', async () => {
    const message = await parse(clean);
    expect(SES_SPAM_VERDICT_FAIL.check({ message, ses: { spam: 'FAIL' } })).not.toBeNull();
    expect(SES_VIRUS_VERDICT_FAIL.check({ message, ses: { virus: 'FAIL' } })).not.toBeNull();
    expect(SES_SPAM_VERDICT_FAIL.check({ message, ses: { spam: 'PASS' } })).toBeNull();
    expect(SES_VIRUS_VERDICT_FAIL.check({ message, ses: { virus: 'GRAY' } })).toBeNull();
  });
});
