import { describe, expect, it } from 'vitest';
import { BODY_ADULT } from '../../../../functions/core/scan/rules/body/body-adult.ts';
import { BODY_ADVANCE_FEE } from '../../../../functions/core/scan/rules/body/body-advance-fee.ts';
import { BODY_EXCESS_EXCLAMATION } from '../../../../functions/core/scan/rules/body/body-excess-exclamation.ts';
import { BODY_EXCESSIVE_CAPS } from '../../../../functions/core/scan/rules/body/body-excessive-caps.ts';
import { BODY_GENERIC_GREETING } from '../../../../functions/core/scan/rules/body/body-generic-greeting.ts';
import { BODY_GUARANTEE } from '../../../../functions/core/scan/rules/body/body-guarantee.ts';
import { BODY_MONEY_PROMISE } from '../../../../functions/core/scan/rules/body/body-money-promise.ts';
import { BODY_MORTGAGE_LOAN } from '../../../../functions/core/scan/rules/body/body-mortgage-loan.ts';
import { BODY_NOT_SPAM_CLAIM } from '../../../../functions/core/scan/rules/body/body-not-spam-claim.ts';
import {
  BODY_OBFUSCATED_WORD,
  findObfuscated,
} from '../../../../functions/core/scan/rules/body/body-obfuscated-word.ts';
import { BODY_PHARMACY } from '../../../../functions/core/scan/rules/body/body-pharmacy.ts';
import { BODY_REMOVE_INSTRUCTIONS } from '../../../../functions/core/scan/rules/body/body-remove-instructions.ts';
import { BODY_SHORT_WITH_LINK } from '../../../../functions/core/scan/rules/body/body-short-with-link.ts';
import { BODY_STOCK_TOUT } from '../../../../functions/core/scan/rules/body/body-stock-tout.ts';
import { BODY_URGENCY } from '../../../../functions/core/scan/rules/body/body-urgency.ts';
import { expectCase, htmlMail, mail, PLAIN_BODY, type RuleCase } from './rule-harness.ts';

const CASES: readonly RuleCase[] = [
  {
    rule: BODY_ADULT,
    fires: 'an adult-site advert',
    firing: mail({}, 'Hot live sex shows, adults only. Click to enter.\n'),
    silentOn: 'an ordinary letter',
    silent: mail(),
  },
  {
    rule: BODY_ADVANCE_FEE,
    fires: 'a 419 letter',
    firing: mail(
      {},
      'Dear Friend,\nI am the next of kin of the late minister. I need your assistance to transfer the fund of 25 million US dollars in strict confidence.\n',
    ),
    silentOn: 'one such phrase alone ("bank account")',
    silent: mail({}, `${PLAIN_BODY}\nPS: I paid the deposit from my bank account.\n`),
  },
  {
    rule: BODY_ADVANCE_FEE,
    fires: 'a letter about a deposited fund and a trust worthy foreigner',
    firing: mail(
      {},
      'I want a beneficiary to my deposited fund in the vault. I need a trust worthy person abroad for it.\n',
    ),
    silentOn: 'one such phrase alone ("security company")',
    silent: mail({}, `${PLAIN_BODY}\nThe security company fitted the new locks on Monday.\n`),
  },
  {
    rule: BODY_EXCESS_EXCLAMATION,
    fires: 'three runs of "!!"',
    firing: mail({}, 'Amazing!! Unbelievable!!! Order today!!\n'),
    silentOn: 'single exclamation marks',
    silent: mail({}, 'Great! Thanks! See you!\n'),
  },
  {
    rule: BODY_EXCESSIVE_CAPS,
    fires: 'a shouted body',
    firing: mail({}, `${'THIS IS THE OFFER OF A LIFETIME AND YOU MUST NOT MISS IT. '.repeat(6)}\n`),
    silentOn: 'ordinary capitalisation',
    silent: mail(),
  },
  {
    rule: BODY_GENERIC_GREETING,
    fires: '"Dear Friend," at the top',
    firing: mail({}, 'Dear Friend,\n\nWe have a proposal for you.\n'),
    silentOn: 'a greeting by name',
    silent: mail(),
  },
  {
    rule: BODY_GUARANTEE,
    fires: '"100% guaranteed"',
    firing: mail({}, 'Results are 100% guaranteed or your money back.\n'),
    silentOn: 'an ordinary letter',
    silent: mail(),
  },
  {
    rule: BODY_MONEY_PROMISE,
    fires: 'two get-rich phrases',
    firing: mail({}, 'Make money fast! Work from home and earn $5000 per week.\n'),
    silentOn: 'one such phrase alone',
    silent: mail({}, `${PLAIN_BODY}\nThe rent is due per month, as usual.\n`),
  },
  {
    rule: BODY_MORTGAGE_LOAN,
    fires: 'a refinance offer',
    firing: mail({}, 'Refinance today: lenders compete for your home loan.\n'),
    silentOn: 'an ordinary letter',
    silent: mail(),
  },
  {
    rule: BODY_NOT_SPAM_CLAIM,
    fires: '"This is not spam" and S.1618',
    firing: mail({}, 'This message is sent in compliance with Bill S.1618. This is not spam.\n'),
    silentOn: 'a message that mentions spam filters',
    silent: mail({}, 'Our spam filter caught your note, sorry for the delay.\n'),
  },
  {
    rule: BODY_OBFUSCATED_WORD,
    fires: 'V1AGRA',
    firing: mail({}, 'Cheap V1AGRA here.\n'),
    silentOn: 'the plain word and decorated punctuation ("--free", "Free!")',
    silent: mail({}, 'The --free option is Free! Viagra is a word too.\n'),
  },
  {
    rule: BODY_OBFUSCATED_WORD,
    fires: 'spaced letters (F R E E)',
    firing: mail({}, 'Get it F R E E now.\n'),
    silentOn: 'single letters that spell nothing',
    silent: mail({}, 'Options a b c d are listed in section I.\n'),
  },
  {
    rule: BODY_PHARMACY,
    fires: 'pills without a prescription',
    firing: mail({}, 'Buy Xanax online, no prescription needed.\n'),
    silentOn: 'an ordinary letter',
    silent: mail(),
  },
  {
    rule: BODY_REMOVE_INSTRUCTIONS,
    fires: 'removal instructions',
    firing: mail({}, 'To be removed from our mailing list, reply with REMOVE in the subject.\n'),
    silentOn: 'a letter about removing a file',
    silent: mail({}, 'I removed the old file from the server; please remove yours too.\n'),
  },
  {
    rule: BODY_SHORT_WITH_LINK,
    fires: 'a few words and a link',
    firing: mail({}, 'See this: http://www.example.net/x\n'),
    silentOn: 'a real letter with a link',
    silent: mail({}, `${PLAIN_BODY}\nThe menu is at http://www.example.net/menu.\n`),
  },
  {
    rule: BODY_STOCK_TOUT,
    fires: 'a stock promotion',
    firing: mail({}, 'Symbol: BBAN. Strong buy, target price $2.50. Forward-looking statements apply.\n'),
    silentOn: 'a note about a strong buy-in from the team',
    silent: mail({}, 'We have a strong buy-in from the team for the new release.\n'),
  },
  {
    rule: BODY_URGENCY,
    fires: '"Act now" and "limited time"',
    firing: mail({}, 'Act now! This is a limited time offer.\n'),
    silentOn: 'one urgent word alone',
    silent: mail({}, `${PLAIN_BODY}\nUrgent: bring an umbrella.\n`),
  },
];

describe('body rules', () => {
  for (const c of CASES) {
    describe(c.rule.id, () => {
      it(`fires on ${c.fires}`, () => expectCase(c, 'firing'));
      it(`stays silent on ${c.silentOn}`, () => expectCase(c, 'silent'));
    });
  }

  it('read the visible text of HTML-only mail too', async () => {
    const c: RuleCase = {
      rule: BODY_PHARMACY,
      fires: 'HTML',
      firing: htmlMail('<html><body><p>Buy <b>Xanax</b> online</p></body></html>'),
      silentOn: 'HTML',
      silent: htmlMail('<html><body><p>Hello</p></body></html>'),
    };
    await expectCase(c, 'firing');
    await expectCase(c, 'silent');
  });

  it('findObfuscated maps look-alike characters and drops inner separators only', () => {
    expect(findObfuscated(['m0rtgage'])).toBe('m0rtgage');
    expect(findObfuscated(['v-i-a-g-r-a'])).toBe('v-i-a-g-r-a');
    expect(findObfuscated(['$ave'])).toBe('$ave');
    expect(findObfuscated(['offer-', '--free', 'e-mail'])).toBeNull();
  });
});
