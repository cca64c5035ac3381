import { evidence, type Rule } from '../rule.ts';
import { originHop } from '../support/origin-hop.ts';

/** Name parts ISPs give to dial-up, DSL and cable customers' addresses. */
const DYNAMIC = [
  'dialup',
  'dial-up',
  'dsl',
  'adsl',
  'cable',
  'pool',
  'dynamic',
  'dyn.',
  '.dyn',
  'ppp',
  'dhcp',
  'client',
  'modem',
  'in-addr',
  'broadband',
  'user.',
  'host-',
];

/**
 * The message entered the mail system from a consumer connection (dial-up, DSL, cable), by its
 * reverse DNS name: a home machine sending directly, usually an infected one. Only the origin
 * hop is checked (see `originHop`).
 */
export const RECEIVED_DYNAMIC_HOST: Rule = {
  id: 'RECEIVED_DYNAMIC_HOST',
  group: 'header',
  description: 'The first relay hop came from a dial-up, DSL or cable customer address',
  score: 8,
  check: ({ message }) => {
    const hop = originHop(message.header);
    const found = hop ? DYNAMIC.find((part) => hop.name.includes(part)) : undefined;
    return hop && found ? { evidence: evidence(`Received: ${hop.value}`) } : null;
  },
};
