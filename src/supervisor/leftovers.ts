/**
 * Processes a supervisor started, recorded in its state directory so the next supervisor of that
 * directory can kill whatever is still running after a crash or `kill -9` (a process that somehow
 * outlived its parent-death signal would otherwise keep writing into the slot the new worker uses).
 *
 * The file `processes` holds one line per event: `+ PID START` when a worker's process (the leader of its
 * own process group) is started, `- PID START` when it is gone. START is the process' start time from
 * /proc/PID/stat (clock ticks since boot): a pid the kernel has since given to another process never
 * matches, so an unrelated process is never killed. Appends need no fsync: they only have to survive
 * the supervisor's death, not the machine's (a reboot ends every process anyway).
 */
import { closeSync, constants, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  readonly pgrp: number;
  readonly start: number;
}

/** pid, process group and start time of one process, or undefined when it is gone. */
export function procStat(pid: number, proc = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${proc}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses; fields resume after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  const start = Number(fields[19]);
  if (!Number.isSafeInteger(pgrp) || !Number.isSafeInteger(start)) return undefined;
  return { pid, pgrp, start };
}

function allProcesses(proc = '/proc'): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name), proc);
    if (stat !== undefined) out.push(stat);
  }
  return out;
}

export class ProcessRecord {
  constructor(readonly file: string) {}

  private append(line: string): void {
    let fd: number;
    try {
      fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    } catch (error) {
      // The state directory was removed or replaced under the fleet: its watch (state-dir-watch.ts) stops
      // the fleet, which kills its workers itself. A worker's exit must not crash the supervisor meanwhile.
      if (['ENOENT', 'ELOOP', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
      throw error;
    }
    try {
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  }

  /** Records a started process (the leader of its own group). Returns its start time, or undefined if it is already gone. */
  add(pid: number): number | undefined {
    const stat = procStat(pid);
    if (stat === undefined) return undefined;
    this.append(`+ ${pid} ${stat.start}\n`);
    return stat.start;
  }

  /** Records that a process is gone. */
  remove(pid: number, start: number): void {
    this.append(`- ${pid} ${start}\n`);
  }

  /** The processes recorded as started and not recorded as gone. */
  live(): { pid: number; start: number }[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const open = new Map<string, { pid: number; start: number }>();
    for (const line of text.split('\n')) {
      const m = /^([+-]) (\d+) (\d+)$/.exec(line);
      if (!m) continue;
      const key = `${m[2]} ${m[3]}`;
      if (m[1] === '+') open.set(key, { pid: Number(m[2]), start: Number(m[3]) });
      else open.delete(key);
    }
    return [...open.values()];
  }

  /**
   * Kills every recorded process that is still the same process (pid and start time match), with every
   * process of its group started since, then empties the record. Returns the pids killed.
   */
  sweep(): number[] {
    const recorded = this.live();
    const killed = new Set<number>();
    if (recorded.length > 0) {
      const processes = allProcesses();
      const byPid = new Map(processes.map((p) => [p.pid, p]));
      for (const { pid, start } of recorded) {
        const leader = byPid.get(pid);
        if (leader !== undefined && leader.start !== start) continue; // the pid now names another process
        if (leader !== undefined) killed.add(pid);
        // Its group: the leader may be gone while members remain; a member is never older than its group.
        for (const p of processes) if (p.pgrp === pid && p.start >= start && p.pid !== process.pid) killed.add(p.pid);
      }
      for (const pid of killed) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    const fd = openSync(this.file, constants.O_WRONLY | constants.O_TRUNC | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    closeSync(fd);
    return [...killed].sort((a, b) => a - b);
  }
}

