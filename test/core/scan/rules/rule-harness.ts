import { parseMessage } from '../../../../functions/core/mime/parse-message.ts';
import type { Rule, RuleMatch, ScanContext } from '../../../../functions/core/scan/rules/rule.ts';

/** The header fields of an ordinary, well-formed personal message. */
const BASE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  [
    'Received',
    'from mail.example.org (mail.example.org [192.0.2.10]) by mx.example.com with ESMTP id 7A1364406D; Tue, 30 Jul 2002 12:29:44 -0400',
  ],
  ['From', 'Alice Example <alice@example.org>'],
  ['To', 'Bob <bob@example.com>'],
  ['Subject', 'Lunch on Friday'],
  ['Date', 'Tue, 30 Jul 2002 12:20:00 -0400'],
  ['Message-ID', '<20020730162000.GA1234@example.org>'],
  ['MIME-Version', '1.0'],
  ['Content-Type', 'text/plain; charset=us-ascii'],
];

export const PLAIN_BODY =
  'Hi Bob,\n\nshall we meet at noon near the office on Friday? There is a new place on Main Street that\nserves soup and bread, and I would like to hear how the build went this week.\n\nAlice\n';

/**
 * A message built from the base fields: `fields` replaces a field by name (case-insensitive),
 * adds it when new, and removes it when the value is null. Lines end in CRLF.
 */
export function mail(
  fields: Readonly<Record<string, string | null>> = {},
  body: string = PLAIN_BODY,
): string {
  const lowered = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), [k, v] as const]));
  const lines: string[] = [];
  for (const [name, value] of BASE_HEADERS) {
    const override = lowered.get(name.toLowerCase());
    if (override) {
      lowered.delete(name.toLowerCase());
      if (override[1] !== null) lines.push(`${name}: ${override[1]}`);
    } else lines.push(`${name}: ${value}`);
  }
  for (const [name, value] of lowered.values()) if (value !== null) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}

/** An HTML-only message. */
export function htmlMail(html: string, fields: Readonly<Record<string, string | null>> = {}): string {
  return mail({ 'Content-Type': 'text/html; charset=us-ascii', ...fields }, html);
}

/** A multipart/alternative message with the given text and HTML parts. */
export function alternativeMail(
  text: string,
  html: string,
  fields: Readonly<Record<string, string | null>> = {},
): string {
  const boundary = '----=_NextPart_000_0001';
  return mail(
    { 'Content-Type': `multipart/alternative; boundary="${boundary}"`, ...fields },
    `--${boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${text}\r\n--${boundary}\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n${html}\r\n--${boundary}--\r\n`,
  );
}

/** Runs one rule on raw message text, as the scan does (parsed message plus the raw bytes). */
export async function check(
  rule: Rule,
  text: string,
  extra: Partial<Pick<ScanContext, 'now' | 'partial' | 'ses'>> = {},
): Promise<RuleMatch | null> {
  const raw = Buffer.from(text, 'latin1');
  const message = await parseMessage(raw);
  return rule.check({ message, ses: extra.ses ?? {}, raw, ...extra });
}

export interface RuleCase {
  readonly rule: Rule;
  /** What the firing example shows. */
  readonly fires: string;
  readonly firing: string;
  /** What the silent example shows. */
  readonly silentOn: string;
  readonly silent: string;
  readonly extra?: Partial<Pick<ScanContext, 'now' | 'partial'>>;
  /** Context for the silent example, when it differs from `extra`. */
  readonly silentExtra?: Partial<Pick<ScanContext, 'now' | 'partial'>>;
  /** Part of the expected evidence, when useful. */
  readonly evidence?: string;
}

/** A firing and a silent test per rule, named after what each example shows. */
export async function expectCase(c: RuleCase, which: 'firing' | 'silent'): Promise<void> {
  const match = await check(
    c.rule,
    which === 'firing' ? c.firing : c.silent,
    which === 'silent' && c.silentExtra ? c.silentExtra : c.extra,
  );
  if (which === 'silent') {
    if (match !== null) throw new Error(`${c.rule.id} fired on the silent example: ${JSON.stringify(match)}`);
    return;
  }
  if (match === null) throw new Error(`${c.rule.id} stayed silent on the firing example`);
  if (c.evidence !== undefined && !(match.evidence ?? '').includes(c.evidence)) {
    throw new Error(
      `${c.rule.id} evidence ${JSON.stringify(match.evidence)} lacks ${JSON.stringify(c.evidence)}`,
    );
  }
}
