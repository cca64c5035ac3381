import { isHeldOutSubmission } from '../../functions/core/training/submission-examples.ts';

/**
 * Mail for the retraining tests: a scam campaign the shipped model lets through (it scores
 * 34-38, below the suspect threshold), and a supplier's invoices, which are legitimate mail.
 */

const SCAM_TOPICS = [
  'wallet',
  'crypto',
  'seed phrase',
  'airdrop',
  'bitcoin recovery',
  'token presale',
  'nft mint',
  'exchange',
] as const;

/** The i-th message (0-7) of a phishing campaign around crypto wallets. */
export function scamMessage(i: number): Buffer {
  const topic = SCAM_TOPICS[i % SCAM_TOPICS.length] as string;
  return crlf(
    `From: "Support Team" <support${i}@secure-wallet-${i}.example>
To: user@example.com
Subject: Your ${topic} account
Message-ID: <c${i}@secure-wallet-${i}.example>
Date: Mon, 23 Nov 2026 10:00:00 +0000
Content-Type: text/plain

Hello,
your ${topic} account will be suspended within 24 hours. Verify your ${topic} seed phrase and claim your bonus airdrop at http://secure-wallet-${i}.example/verify?id=${i}
Guaranteed returns, act now before your ${topic} is locked.
`,
  );
}

export const SCAM_CAMPAIGN_SIZE = SCAM_TOPICS.length;

/** The i-th monthly invoice of an office supplier: ordinary business mail. */
export function invoiceMessage(i: number): Buffer {
  return crlf(
    `From: "Northwind Billing" <billing@northwind-supplies.example>
To: accounts@example.com
Subject: Invoice NW-${4100 + i} for your order
Message-ID: <inv${i}@northwind-supplies.example>
Date: Mon, 2 Nov 2026 09:${String(i % 60).padStart(2, '0')}:00 +0000
Content-Type: text/plain; charset=utf-8

Hello,

please find invoice NW-${4100 + i} for order ${88000 + i * 13} below.
Amount due: EUR ${(120 + i * 7.5).toFixed(2)}, payable within 30 days to our usual account.
Items: printer toner, copy paper, binders.

Kind regards,
Northwind Supplies accounts team
`,
  );
}

/**
 * `count` submission ids that are (or are not) held out, in ascending order: the split is a
 * hash of the id, so tests that need a submission on one side pick its id.
 */
export function submissionIds(heldOut: boolean, count: number, day = '20261101'): string[] {
  const ids: string[] = [];
  const two = (value: number) => String(value).padStart(2, '0');
  for (let n = 0; ids.length < count; n++) {
    const time = `${two(Math.floor(n / 3600) % 24)}${two(Math.floor(n / 60) % 60)}${two(n % 60)}`;
    const id = `${day}T${time}Z-${(0x10000000 + n).toString(16)}`;
    if (isHeldOutSubmission(id) === heldOut) ids.push(id);
  }
  return ids;
}

function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'));
}
