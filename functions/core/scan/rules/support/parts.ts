import type { ScanContext } from '../rule.ts';
import { viewOf } from './message-view.ts';

/**
 * Whether the message has a real text/plain part (not an attachment). From the raw MIME
 * outline when the scan has the bytes; otherwise from the parsed message, whose text of an
 * HTML-only message is the text read from its HTML.
 */
export function hasTextPart(context: ScanContext): boolean {
  const { message, raw } = context;
  const view = viewOf(message, raw);
  const outline = view.outline;
  if (outline)
    return outline.parts.some((p) => p.leaf && !p.attachment && p.contentType === 'text/plain' && p.size > 2);
  if (message.text.trim() === '') return false;
  if (!message.html) return true;
  return message.text.trim() !== (view.html?.text ?? '').trim();
}

/** Whether the message has an HTML part (parsed). */
export function hasHtml(context: ScanContext): boolean {
  return context.message.html.trim() !== '';
}
