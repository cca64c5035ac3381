import nodemailer from 'nodemailer';
import type { AdminApiCall } from '../adapters/admin-api-client.ts';
import { formatRfc5322Date } from '../core/mime/format-date.ts';
import { GTUBE_STRING } from '../core/scan/rules/gtube.ts';
import type { TrackingRecord } from '../core/tracking/types.ts';

interface DemoMail {
  readonly label: string;
  readonly from: string;
  readonly subject: string;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

const DEMO_MAILS: readonly DemoMail[] = [
  {
    label: 'person-to-person mail',
    from: 'Alice Example <alice@partner.example.org>',
    subject: 'Notes from Tuesday',
    body: 'Hi,\n\nhere are my notes from Tuesday. Talk soon,\nAlice\n',
  },
  {
    label: 'a newsletter (graymail)',
    from: 'Deals Weekly <news@deals.example.net>',
    subject: 'This week only: 20% off',
    headers: {
      'List-Unsubscribe': '<https://deals.example.net/unsub?u=123>, <mailto:unsub@deals.example.net>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Feedback-ID': 'campaign42:deals:esp',
    },
    body: 'Our best deals of the week.\n',
  },
  {
    label: 'the admin test header X-Advertisement: spam',
    from: 'Tester <tester@outside.example.org>',
    subject: 'Policy test',
    headers: { 'X-Advertisement': 'spam' },
    body: 'This message carries the test header.\n',
  },
  {
    label: 'the GTUBE test string',
    from: 'Tester <tester@outside.example.org>',
    subject: 'GTUBE test',
    body: `This is the GTUBE, the Generic Test for Unsolicited Bulk Email:\n\n${GTUBE_STRING}\n`,
  },
];

const TERMINAL = ['delivered', 'quarantined', 'dropped', 'bounced', 'released', 'error', 'mixed', 'deleted'];

/**
 * Sends a few example messages through the gateway's SMTP listener and reports what
 * happened to each: the quickest way to watch the whole pipeline work.
 */
export async function runDemo(options: {
  smtp: { host: string; port: number };
  api: AdminApiCall;
  recipient: string;
  print: (line: string) => void;
}): Promise<TrackingRecord[]> {
  const transport = nodemailer.createTransport({
    host: options.smtp.host,
    port: options.smtp.port,
    ignoreTLS: true,
  });
  const records: TrackingRecord[] = [];
  for (const [index, mail] of DEMO_MAILS.entries()) {
    const address = /<([^>]+)>/.exec(mail.from)?.[1] ?? mail.from;
    const fields: Record<string, string> = {
      From: mail.from,
      To: options.recipient,
      Subject: mail.subject,
      Date: formatRfc5322Date(new Date()),
      'Message-ID': `<demo-${Date.now()}-${index}@graywall.local>`,
      ...mail.headers,
    };
    const raw = `${Object.entries(fields)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n')}\r\n\r\n${mail.body.replace(/\n/g, '\r\n')}`;
    const info = await transport.sendMail({ envelope: { from: address, to: [options.recipient] }, raw });
    const id = /queued as ([a-z0-9]+)/.exec(info.response)?.[1];
    if (!id) throw new Error(`unexpected reply from the gateway: ${info.response}`);
    const record = await waitForOutcome(options.api, id);
    records.push(record);
    const verdict = record.scan ? `${record.scan.verdict} (score ${record.scan.score})` : 'not scanned';
    const graymail =
      record.graymail && record.graymail.category !== 'none' ? `, graymail: ${record.graymail.category}` : '';
    options.print(`  ${mail.label.padEnd(44)} → ${record.state.padEnd(11)} ${verdict}${graymail}   [${id}]`);
  }
  return records;
}

async function waitForOutcome(api: AdminApiCall, id: string, timeoutMs = 20_000): Promise<TrackingRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: TrackingRecord | undefined;
  while (Date.now() < deadline) {
    try {
      last = await api<TrackingRecord>('GET', `/admin/messages/${id}`);
      if (TERMINAL.includes(last.state)) return last;
    } catch {
      // Not tracked yet: the scan stage has not picked it up.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `message ${id} did not finish within ${timeoutMs / 1000} s (last state: ${last?.state ?? 'untracked'})`,
  );
}
