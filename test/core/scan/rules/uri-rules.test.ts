import { describe, it } from 'vitest';
import { URI_ANCHOR_MISMATCH } from '../../../../functions/core/scan/rules/uri/uri-anchor-mismatch.ts';
import { URI_ESCAPED_HOST } from '../../../../functions/core/scan/rules/uri/uri-escaped-host.ts';
import { URI_FREE_HOSTING } from '../../../../functions/core/scan/rules/uri/uri-free-hosting.ts';
import { URI_IP_HOST } from '../../../../functions/core/scan/rules/uri/uri-ip-host.ts';
import { URI_MAILTO_REMOVE } from '../../../../functions/core/scan/rules/uri/uri-mailto-remove.ts';
import { URI_MANY_DOMAINS } from '../../../../functions/core/scan/rules/uri/uri-many-domains.ts';
import { URI_NONSTANDARD_PORT } from '../../../../functions/core/scan/rules/uri/uri-nonstandard-port.ts';
import { URI_NOT_FROM_DOMAIN } from '../../../../functions/core/scan/rules/uri/uri-not-from-domain.ts';
import { URI_REDIRECTOR } from '../../../../functions/core/scan/rules/uri/uri-redirector.ts';
import { URI_SHORTENER } from '../../../../functions/core/scan/rules/uri/uri-shortener.ts';
import { URI_USERINFO } from '../../../../functions/core/scan/rules/uri/uri-userinfo.ts';
import { expectCase, htmlMail, mail, PLAIN_BODY, type RuleCase } from './rule-harness.ts';

const link = (href: string, text = 'click here') =>
  htmlMail(`<html><body><p>Offer: <a href="${href}">${text}</a></p></body></html>`);
const text = (url: string) => mail({}, `${PLAIN_BODY}\nDetails: ${url}\n`);

const CASES: readonly RuleCase[] = [
  {
    rule: URI_ANCHOR_MISMATCH,
    fires: 'a link showing www.bank.example and going elsewhere',
    firing: link('http://198.51.100.7/login', 'http://www.bank.example/login'),
    silentOn: 'a link showing its own domain (another host of it)',
    silent: link('http://login.bank.example/x', 'www.bank.example'),
    evidence: 'shows www.bank.example',
  },
  {
    rule: URI_ESCAPED_HOST,
    fires: 'a %-escaped host',
    firing: link('http://%77%77%77.example.net/'),
    silentOn: 'escapes in the path only',
    silent: link('http://www.example.net/a%20b'),
  },
  {
    rule: URI_FREE_HOSTING,
    fires: 'a geocities page',
    firing: text('http://www.geocities.com/deals4u/'),
    silentOn: 'a company site',
    silent: text('http://www.example.net/'),
  },
  {
    rule: URI_IP_HOST,
    fires: 'a dotted-quad host',
    firing: text('http://198.51.100.7/buy'),
    silentOn: 'a host name with digits',
    silent: text('http://web1.example.net/'),
  },
  {
    rule: URI_IP_HOST,
    fires: 'a decimal IP host',
    firing: link('http://3325256711/buy'),
    silentOn: 'a mailto address',
    silent: link('mailto:a@198.51.100.7'),
  },
  {
    rule: URI_MAILTO_REMOVE,
    fires: 'mailto:remove@…',
    firing: link('mailto:remove@lists.example.net?subject=remove'),
    silentOn: 'an ordinary mailto',
    silent: link('mailto:sales@example.net'),
  },
  {
    rule: URI_MANY_DOMAINS,
    fires: 'links to ten domains',
    firing: htmlMail(
      `<html><body>${Array.from({ length: 10 }, (_, i) => `<a href="http://site${i}.example/">${i}</a>`).join(' ')}</body></html>`,
    ),
    silentOn: 'ten links to one domain',
    silent: htmlMail(
      `<html><body>${Array.from({ length: 10 }, (_, i) => `<a href="http://www.example.org/${i}">${i}</a>`).join(' ')}</body></html>`,
    ),
  },
  {
    rule: URI_NONSTANDARD_PORT,
    fires: 'http on port 8080',
    firing: text('http://www.example.net:8080/x'),
    silentOn: 'https on 443',
    silent: text('https://www.example.net:443/x'),
  },
  {
    rule: URI_NOT_FROM_DOMAIN,
    fires: "three links, none to the sender's domain",
    firing: htmlMail(
      '<html><body><a href="http://a.example.net/">a</a> <a href="http://b.example.net/">b</a> <a href="http://c.example.com/">c</a></body></html>',
    ),
    silentOn: "links that include the sender's domain",
    silent: htmlMail(
      '<html><body><a href="http://a.example.net/">a</a> <a href="http://b.example.net/">b</a> <a href="http://www.example.org/">c</a></body></html>',
    ),
  },
  {
    rule: URI_REDIRECTOR,
    fires: 'a redirect through rd.yahoo.com',
    firing: text('http://rd.yahoo.com/click/*http://198.51.100.7/x'),
    silentOn: 'a link with an ordinary query',
    silent: text('http://www.example.net/search?q=http+status'),
  },
  {
    rule: URI_SHORTENER,
    fires: 'a tinyurl link',
    firing: text('http://tinyurl.com/abc123'),
    silentOn: 'a direct link',
    silent: text('http://www.example.net/abc123'),
  },
  {
    rule: URI_USERINFO,
    fires: 'http://www.bank.example@evil.example/',
    firing: link('http://www.bank.example@evil.example/'),
    silentOn: 'an @ in the query',
    silent: link('http://www.example.net/?mail=a@b.example'),
  },
];

describe('URI rules', () => {
  for (const c of CASES) {
    describe(c.rule.id, () => {
      it(`fires on ${c.fires}`, () => expectCase(c, 'firing'));
      it(`stays silent on ${c.silentOn}`, () => expectCase(c, 'silent'));
    });
  }
});
