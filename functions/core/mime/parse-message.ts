import { type AddressObject, simpleParser } from 'mailparser';
import { readHtml } from './html-text.ts';
import { type HeaderBlock, readHeaderBlock } from './raw-message.ts';

/**
 * The one module that knows mailparser (in maintenance mode: keep it swappable). Everything
 * else reads this shape.
 */
export interface ParsedMessage {
  /** Top-level header fields in the order they appear, read from the raw bytes. */
  readonly header: HeaderBlock;
  readonly messageId: string | undefined;
  readonly subject: string;
  readonly from: MailAddress | undefined;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly replyTo: readonly MailAddress[];
  readonly date: Date | undefined;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly AttachmentInfo[];
  readonly size: number;
}

export interface MailAddress {
  readonly address: string;
  readonly name: string;
}

export interface AttachmentInfo {
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly size: number;
}

/**
 * Upper bound on HTML read for its text. Longer HTML is still kept whole for URI rules; only
 * the text derived from it stops there.
 */
const MAX_HTML_TO_READ = 2 * 1024 * 1024;

/**
 * Parses raw RFC 5322 bytes. mailparser decodes the MIME tree, transfer encodings and
 * charsets; its own HTML-to-text conversion (a full HTML parser, the most expensive step on
 * HTML-only mail) is switched off, and the text of an HTML-only message comes from our
 * linear `readHtml` instead.
 *
 * A leading mbox envelope line (`From sender@example.org  Thu Aug 22 12:36:23 2002`), as
 * found in .eml files cut from mbox archives and in the SpamAssassin corpus, is skipped:
 * it is not a header field, and read as one it would hide every header below it. Header
 * offsets stay relative to `raw`.
 */
export async function parseMessage(raw: Uint8Array): Promise<ParsedMessage> {
  const skip = mboxFromLineLength(raw);
  const message = skip === 0 ? raw : raw.subarray(skip);
  const buffer = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const mail = await simpleParser(buffer, {
    skipImageLinks: true,
    skipTextLinks: true,
    skipTextToHtml: true,
    skipHtmlToText: true,
  });
  const html = typeof mail.html === 'string' ? mail.html : '';
  const text = mail.text ?? '';
  return {
    header: shiftHeaderBlock(readHeaderBlock(message), skip),
    messageId: mail.messageId,
    subject: mail.subject ?? '',
    from: addresses(mail.from)[0],
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo),
    date: mail.date instanceof Date && !Number.isNaN(mail.date.getTime()) ? mail.date : undefined,
    text: text.trim() === '' && html !== '' ? readHtml(html, MAX_HTML_TO_READ).text : text,
    html,
    attachments: mail.attachments.map((attachment) => ({
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
    size: raw.byteLength,
  };
}

/** Length of a leading mbox `From ` envelope line (not a `From:` field), or 0. */
function mboxFromLineLength(raw: Uint8Array): number {
  const isFromSpace =
    raw[0] === 0x46 && raw[1] === 0x72 && raw[2] === 0x6f && raw[3] === 0x6d && raw[4] === 0x20;
  if (!isFromSpace) return 0;
  const lf = raw.indexOf(0x0a);
  return lf === -1 ? 0 : lf + 1;
}

function shiftHeaderBlock(block: HeaderBlock, by: number): HeaderBlock {
  if (by === 0) return block;
  return {
    fields: block.fields.map((field) => ({ ...field, start: field.start + by, end: field.end + by })),
    bodyStart: block.bodyStart + by,
    eol: block.eol,
  };
}

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!value) return [];
  const objects = Array.isArray(value) ? value : [value];
  const out: MailAddress[] = [];
  const visit = (entries: AddressObject['value']): void => {
    for (const entry of entries) {
      if (entry.address) out.push({ address: entry.address, name: entry.name ?? '' });
      if (entry.group) visit(entry.group);
    }
  };
  for (const object of objects) visit(object.value);
  return out;
}
