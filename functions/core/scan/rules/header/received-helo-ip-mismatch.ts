import { headerValues } from '../../../mime/raw-message.ts';
import { evidence, type Rule } from '../rule.ts';

/**
 * "Received: from 210.97.99.2 (unknown [212.62.87.8])": the client greeted with one IP
 * address and connected from another. Real MTAs greet with their own name or address;
 * spam software puts a random IP in HELO.
 */
const FROM_IP_HELO =
  /^from\s+\[?(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\]?\s+\([^()[\]]{0,200}\[(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\]/i;

export const RECEIVED_HELO_IP_MISMATCH: Rule = {
  id: 'RECEIVED_HELO_IP_MISMATCH',
  group: 'header',
  description: 'A relay greeted (HELO) with an IP address other than the one it connected from',
  score: 15,
  patterns: [FROM_IP_HELO],
  check: ({ message }) => {
    const received = headerValues(message.header, 'received');
    for (let i = 0; i < received.length && i < 30; i++) {
      const value = (received[i] as string).slice(0, 400);
      const match = FROM_IP_HELO.exec(value);
      if (match && match[1] !== match[2]) return { evidence: evidence(`Received: ${value}`) };
    }
    return null;
  },
};
