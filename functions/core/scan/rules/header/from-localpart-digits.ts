import { computedRule } from '../support/patterns.ts';

/** `tfumlmprospect_111815@...`, `corn427@...`: machine-made sender addresses with digit runs. */
export const FROM_LOCALPART_DIGITS = computedRule(
  {
    id: 'FROM_LOCALPART_DIGITS',
    group: 'header',
    description: 'Sender address has a run of 4 or more digits in its local part',
    score: 5,
  },
  ({ message }) => {
    const address = message.from?.address.slice(0, 320) ?? '';
    const at = address.lastIndexOf('@');
    if (at <= 0) return null;
    let run = 0;
    for (let i = 0; i < at; i++) {
      const c = address.charCodeAt(i);
      run = c >= 0x30 && c <= 0x39 ? run + 1 : 0;
      if (run >= 4) return address;
    }
    return null;
  },
);
