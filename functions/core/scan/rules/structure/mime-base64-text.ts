import type { Rule } from '../rule.ts';
import { viewOf } from '../support/message-view.ts';

/**
 * Text or HTML body parts sent base64-encoded. Mail programs use base64 for binary
 * attachments; encoding readable text that way hides it from filters that read the bytes.
 */
export const MIME_BASE64_TEXT: Rule = {
  id: 'MIME_BASE64_TEXT',
  group: 'structure',
  description: 'A text or HTML body part is base64-encoded',
  score: 8,
  check: ({ message, raw }) => {
    const part = viewOf(message, raw).outline?.parts.find(
      (p) => p.leaf && !p.attachment && p.contentType.startsWith('text/') && p.encoding === 'base64',
    );
    return part ? { evidence: `${part.contentType}; base64` } : null;
  },
};
