import { type AddressObject, simpleParser } from 'mailparser';
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
 * Upper bound on HTML handed to the HTML-to-text converter: a crafted multi-megabyte HTML
 * part must cost bounded time. Longer HTML is still kept (truncated) for URI rules.
 */
const MAX_HTML_TO_PARSE = 2 * 1024 * 1024;

export async function parseMessage(raw: Uint8Array): Promise<ParsedMessage> {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const mail = await simpleParser(buffer, {
    skipImageLinks: true,
    skipTextLinks: true,
    skipTextToHtml: true,
    maxHtmlLengthToParse: MAX_HTML_TO_PARSE,
  });
  return {
    header: readHeaderBlock(raw),
    messageId: mail.messageId,
    subject: mail.subject ?? '',
    from: addresses(mail.from)[0],
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo),
    date: mail.date instanceof Date && !Number.isNaN(mail.date.getTime()) ? mail.date : undefined,
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : '',
    attachments: mail.attachments.map((attachment) => ({
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
    size: raw.byteLength,
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
