/**
 * `native/launcher/refused-syscalls.h`: the launcher's always-refused syscalls, written from the
 * catalog (`ALWAYS_REFUSED_SYSCALLS`) so the launcher, the policy compiler and the spec validator refuse
 * the same list.
 */
import { ALWAYS_REFUSED_SYSCALLS } from '../spec/syscalls/catalog.js';
import { X86_64_SYSCALLS } from '../spec/syscalls/table-x86_64.js';

export function refusedSyscallsHeader(): string {
  const entries = Object.keys(ALWAYS_REFUSED_SYSCALLS).map((name) => {
    const nr = X86_64_SYSCALLS[name];
    if (nr === undefined) throw new Error(`ALWAYS_REFUSED_SYSCALLS names "${name}", which is not in the x86_64 syscall table`);
    return `  ${nr} /* ${name} */`;
  });
  return [
    '/* Generated from src/spec/syscalls/catalog.ts (ALWAYS_REFUSED_SYSCALLS) by "npm run gen": do not edit. */',
    '/* x86_64 syscall numbers refused with EPERM under every policy, whatever --allow says. */',
    '#define ALWAYS_REFUSED_SYSCALLS \\',
    entries.join(', \\\n'),
    '',
  ].join('\n');
}
