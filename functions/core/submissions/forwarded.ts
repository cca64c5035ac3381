import { headerValues, readHeaderBlock } from '../mime/raw-message.ts';
import { parseDisposition, parseMediaType, splitMultipart } from '../unsubscribe/mime-tree.ts';
import {
  decodeBase64,
  decodeQuotedPrintable,
  readTransferEncoding,
} from '../unsubscribe/transfer-encoding.ts';

/**
 * The messages a user forwarded "as attachment": each `message/rfc822` part (RFC 2046 §5.2.1;
 * `message/global`, RFC 6532 §3.5, for internationalised mail), or a file named `*.eml`
 * (some clients attach a saved message as application/octet-stream), decoded from its
 * transfer encoding. A message forwarded inline is not among them: the client rewrote it and
 * its original header is gone, so there is nothing faithful to learn from.
 *
 * Read on the raw bytes rather than through mailparser, which merges an attached message into
 * the outer message's text. Walks into signed multiparts too: an S/MIME-signed forward still
 * carries the attachment.
 *
 * A forward of a forward (a colleague forwarded the spam to the user, who forwards that to
 * the mailbox) yields the innermost messages: the attached message is itself only a wrapper
 * around attached messages, and filing it would teach the model the colleague's own mail as
 * spam. A delivery report (multipart/report, RFC 6522) is not a wrapper: backscatter is the
 * report itself.
 */
export interface ForwardLimits {
  readonly maxMessages: number;
  readonly maxDepth: number;
  readonly maxParts: number;
}

export const DEFAULT_FORWARD_LIMITS: ForwardLimits = { maxMessages: 10, maxDepth: 8, maxParts: 200 };

/** Forwards of forwards are unwrapped this many levels deep at most. */
const MAX_NESTED_FORWARDS = 3;

export function forwardedMessages(
  raw: Uint8Array,
  limits: ForwardLimits = DEFAULT_FORWARD_LIMITS,
  nesting = 0,
): Buffer[] {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const found: Buffer[] = [];
  let parts = 0;
  const visit = (start: number, end: number, depth: number): void => {
    if (found.length >= limits.maxMessages || ++parts > limits.maxParts) return;
    const header = readHeaderBlock(buffer.subarray(start, end));
    const bodyStart = start + header.bodyStart;
    const mediaType = parseMediaType(headerValues(header, 'content-type')[0]);
    const boundary = mediaType?.params.get('boundary');
    if (mediaType?.type === 'multipart' && boundary) {
      if (depth >= limits.maxDepth) return;
      for (const part of splitMultipart(buffer, bodyStart, end, boundary))
        visit(part.start, part.end, depth + 1);
      return;
    }
    if (depth === 0) return; // the forwarding message itself is not one of its attachments
    const type = mediaType ? `${mediaType.type}/${mediaType.subtype}` : 'text/plain';
    const filename =
      parseDisposition(headerValues(header, 'content-disposition')[0]).params.get('filename') ??
      mediaType?.params.get('name') ??
      '';
    if (type !== 'message/rfc822' && type !== 'message/global' && !/\.eml$/i.test(filename)) return;
    const body = buffer.subarray(bodyStart, end);
    const encoding = readTransferEncoding(headerValues(header, 'content-transfer-encoding')[0]);
    const decoded =
      encoding === 'base64'
        ? decodeBase64(body)
        : encoding === 'quoted-printable'
          ? decodeQuotedPrintable(body)
          : body;
    // Something that does not even have a header field is not a message.
    const inner = readHeaderBlock(decoded);
    if (inner.fields.length === 0) return;
    const innerType = parseMediaType(headerValues(inner, 'content-type')[0]);
    const wrapped =
      nesting < MAX_NESTED_FORWARDS && innerType?.type === 'multipart' && innerType.subtype !== 'report'
        ? forwardedMessages(
            decoded,
            { ...limits, maxMessages: limits.maxMessages - found.length },
            nesting + 1,
          )
        : [];
    if (wrapped.length > 0) found.push(...wrapped);
    else found.push(Buffer.from(decoded));
  };
  visit(0, buffer.length, 0);
  return found;
}
