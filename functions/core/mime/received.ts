/**
 * The connecting client's IP from a Received header written by a receiving MTA, e.g.
 * `from mail.example.org (mail.example.org [192.0.2.10]) by inbound-smtp...` or the IPv6 form
 * `[IPv6:2001:db8::1]` (RFC 5321 §4.4 TCP-info). Returns undefined when none is found.
 */
export function ipFromReceived(value: string): string | undefined {
  // Bounded character classes and a fixed upper length keep this linear on hostile input.
  const match = /\[(?:IPv6:)?([0-9a-fA-F:.]{3,45})\]/.exec(value);
  const ip = match?.[1];
  if (!ip) return undefined;
  return isIPv4(ip) || (ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip)) ? ip : undefined;
}

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}
