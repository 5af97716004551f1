/**
 * Explain mode: turns the launcher's explain file (one record per refusal, written by its seccomp
 * notification handler, native/launcher/notify.c) into lines a person can act on: which syscall was
 * refused, how often, and which `allowed_syscalls` entry would allow it, or why nothing can.
 *
 * Record formats (one per line):
 *   `refused <nr> <arg0>`              the filter refused syscall <nr> (answered EPERM)
 *   `fchmod <errno> <mode> <path>`     the launcher's fchmod handler refused a mode change
 */
import { constants } from 'node:os';
import { BASE_SYSCALLS, commandOnlyReason, forbiddenReason, SYSCALL_GROUPS } from '../spec/syscalls/catalog.js';
import { X86_64_SYSCALLS } from '../spec/syscalls/table-x86_64.js';

/** Base-set syscalls the launcher still refuses for some arguments. */
const REFUSED_FOR_ARGUMENTS: Readonly<Record<string, string>> = {
  ioctl: 'ioctl TIOCSTI and TIOCLINUX (pushing input into a terminal) are never allowed',
  prlimit64: "changing another process's resource limits is never allowed (a process may lower its own)",
  clone: 'clone without CLONE_THREAD, or with new namespaces, creates a process: workers may never do that',
};

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(X86_64_SYSCALLS).map(([name, nr]) => [nr, name]));

const X32_BIT = 0x40000000;

/** The advice for one refused syscall under the worker policy. */
export function adviceFor(nr: number): { readonly name: string; readonly advice: string } {
  if ((nr & X32_BIT) !== 0) return { name: `x32 syscall ${nr & ~X32_BIT}`, advice: 'never allowed: the x32 ABI is refused' };
  const name = NAMES.get(nr);
  if (name === undefined) return { name: `syscall ${nr}`, advice: 'never allowed: codex fleet does not know this syscall' };
  const forbidden = forbiddenReason(name);
  if (forbidden !== undefined) return { name, advice: `never allowed: ${forbidden}` };
  const commandOnly = commandOnlyReason(name);
  if (commandOnly !== undefined) {
    const group = groupsOf(name)[0];
    return {
      name,
      advice: `never allowed for workers: ${commandOnly}` + (group ? ` (listing "${group}" lets only this agent's commands use it)` : ''),
    };
  }
  const forArguments = REFUSED_FOR_ARGUMENTS[name];
  if (forArguments !== undefined && BASE_SYSCALLS.includes(name)) return { name, advice: forArguments };
  const groups = groupsOf(name);
  const entries = [...groups, name].map((e) => `"${e}"`);
  return {
    name,
    advice: `allowed_syscalls: add ${entries.length > 1 ? `${entries.slice(0, -1).join(' or ')} (or ${entries.at(-1)} alone)` : entries[0]}`,
  };
}

function groupsOf(name: string): string[] {
  return Object.entries(SYSCALL_GROUPS)
    .filter(([, group]) => group.syscalls.includes(name))
    .map(([group]) => group);
}

function errnoName(code: number): string {
  const entry = Object.entries(constants.errno).find(([, value]) => value === code);
  return entry?.[0] ?? `errno ${code}`;
}

export interface ExplainReport {
  /** Refused syscalls, most frequent first. */
  readonly syscalls: readonly { readonly nr: number; readonly name: string; readonly count: number; readonly advice: string }[];
  /** Refused fchmod calls (path, mode, errno). */
  readonly fchmod: readonly { readonly path: string; readonly mode: string; readonly error: string }[];
}

/** Parses the explain file's text. Unknown lines are ignored (a newer launcher may add records). */
export function parseExplain(text: string): ExplainReport {
  const counts = new Map<number, number>();
  const fchmod: { path: string; mode: string; error: string }[] = [];
  for (const line of text.split('\n')) {
    const refused = /^refused (\d+) \d+$/.exec(line);
    if (refused) {
      const nr = Number(refused[1]);
      counts.set(nr, (counts.get(nr) ?? 0) + 1);
      continue;
    }
    const chmod = /^fchmod (\d+) ([0-7]+) (.*)$/.exec(line);
    if (chmod) fchmod.push({ error: errnoName(Number(chmod[1])), mode: chmod[2]!, path: chmod[3]! });
  }
  const syscalls = [...counts]
    .map(([nr, count]) => ({ nr, count, ...adviceFor(nr) }))
    .sort((a, b) => b.count - a.count || a.nr - b.nr);
  return { syscalls, fchmod };
}

/** What can be said about refused paths on a kernel with this Landlock ABI. */
export function landlockVisibility(abi: number): string {
  return (
    `Landlock refusals are not visible on this kernel (Landlock ABI ${abi}): ` +
    (abi >= 7
      ? 'the kernel reports refused paths only to its audit log, which takes CAP_AUDIT_READ or auditd to read, and codex fleet does not ask for that privilege'
      : 'the kernel reports refused paths only from Landlock ABI 7, and then only to its audit log') +
    '. A refused path shows as EACCES (or EXDEV for a rename) in the program\'s own error; what the policy may read and write is listed in native/launcher/README.md and src/sandbox/README.md.'
  );
}

/** The report as lines, for `codex fleet sandbox --explain` and `codex fleet conformance --explain`. */
export function formatExplain(report: ExplainReport, landlockAbi: number): string[] {
  const lines: string[] = [];
  const total = report.syscalls.reduce((n, s) => n + s.count, 0);
  if (total === 0) lines.push('explain: the sandbox refused no syscalls');
  else {
    lines.push(`explain: the sandbox refused ${report.syscalls.length} syscall${report.syscalls.length === 1 ? '' : 's'} (${total} call${total === 1 ? '' : 's'}, each answered EPERM):`);
    for (const s of report.syscalls) lines.push(`  ${s.name} (${s.nr}) x${s.count}: ${s.advice}`);
  }
  for (const f of report.fchmod) {
    lines.push(
      `explain: fchmod to ${f.mode} of "${f.path}" refused (${f.error}): modes change only for files inside the slot, ` +
        'with a single link and without set-uid, set-gid or sticky bits; no allowed_syscalls entry allows more',
    );
  }
  lines.push(`explain: ${landlockVisibility(landlockAbi)}`);
  return lines;
}
