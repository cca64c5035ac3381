import { type ParsedMessage, parseMessage } from '../../functions/core/mime/parse-message.ts';

/** Parses a message written as lines (LF is turned into CRLF). */
export function parse(text: string): Promise<ParsedMessage> {
  return parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
}
