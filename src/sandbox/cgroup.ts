/**
 * pids cgroups: one per worker (and per command tree), so `limits.threads` bounds the threads and
 * processes of that one sandbox, not of the whole uid (which is all RLIMIT_NPROC can do).
 *
 * Layout: `<pids hierarchy>/<our own cgroup>/codex-fleet-<key>/<name>/`, with `pids.max` set on each
 * leaf. cgroup v1 (a hierarchy mounted with the `pids` controller) and v2 (the unified hierarchy, when
 * `pids` is enabled for our cgroup's children or can be) are both used; creating cgroups needs root, or
 * a v2 cgroup delegated to the user. Where none can be had, `openFleetCgroup` returns undefined and the
 * caller falls back to RLIMIT_NPROC.
 *
 * The launcher joins the leaf itself (`--cgroup`) before it drops root, so nothing runs outside it, and
 * nothing inside can leave it (cgroup.procs files belong to root). That also makes the fleet's cgroup a
 * complete list of what the fleet started: `sweep()` kills whatever a previous supervisor left there.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PidsHierarchy {
  readonly version: 1 | 2;
  /** Our own cgroup's directory in that hierarchy. */
  readonly dir: string;
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Where a pids controller is mounted and which cgroup of it this process is in, if any. */
export function findPidsHierarchy(proc = '/proc/self'): PidsHierarchy | undefined {
  let mountinfo: string;
  let membership: string;
  try {
    mountinfo = readFileSync(join(proc, 'mountinfo'), 'utf8');
    membership = readFileSync(join(proc, 'cgroup'), 'utf8');
  } catch {
    return undefined;
  }
  const mounts = mountinfo.split('\n').map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const fields = left.split(' ');
    const [fstype = '', , superOptions = ''] = right.split(' ');
    return { root: fields[3] ?? '', point: unescapeMount(fields[4] ?? ''), fstype, superOptions: superOptions.split(',') };
  });
  const lines = membership.split('\n').filter(Boolean).map((line) => {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    return { controllers: line.slice(first + 1, second).split(','), path: line.slice(second + 1) };
  });
  // cgroup v1: a hierarchy with the pids controller.
  const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes('pids'));
  const v1Line = lines.find((l) => l.controllers.includes('pids'));
  if (v1 !== undefined && v1Line !== undefined) {
    const relative = v1Line.path.startsWith(v1.root) ? v1Line.path.slice(v1.root.length) : v1Line.path;
    return { version: 1, dir: join(v1.point, relative) };
  }
  // cgroup v2: pids must be offered to our cgroup.
  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  const v2Line = lines.find((l) => l.controllers.length === 1 && l.controllers[0] === '');
  if (v2 !== undefined && v2Line !== undefined) {
    const relative = v2Line.path.startsWith(v2.root) ? v2Line.path.slice(v2.root.length) : v2Line.path;
    const dir = join(v2.point, relative);
    try {
      if (readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids')) return { version: 2, dir };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function enablePidsForChildren(dir: string): void {
  const control = join(dir, 'cgroup.subtree_control');
  if (readFileSync(control, 'utf8').split(/\s+/).includes('pids')) return;
  writeFileSync(control, '+pids');
}

/** Kills every process in one cgroup directory; returns their pids. */
function killMembers(dir: string): number[] {
  let pids: number[] = [];
  try {
    pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  return pids;
}

/** One fleet's pids cgroup, holding one child per worker or command tree. */
export class FleetCgroup {
  private seq = 0;

  private constructor(
    readonly version: 1 | 2,
    readonly dir: string,
  ) {}

  /**
   * Opens (creating it if needed) `codex-fleet-<key>` under our own pids cgroup. Undefined when no pids
   * controller can be used here (not root, no delegation, controller absent).
   */
  static open(key: string, hierarchy: PidsHierarchy | undefined = findPidsHierarchy()): FleetCgroup | undefined {
    if (hierarchy === undefined || !/^[A-Za-z0-9_.-]{1,200}$/.test(key)) return undefined;
    const dir = join(hierarchy.dir, `codex-fleet-${key}`);
    try {
      if (hierarchy.version === 2) enablePidsForChildren(hierarchy.dir);
      mkdirSync(dir, { recursive: true });
      if (hierarchy.version === 2) enablePidsForChildren(dir);
      return new FleetCgroup(hierarchy.version, dir);
    } catch {
      return undefined;
    }
  }

  /** A fresh child cgroup for one worker or command tree, with `pids.max` = `max`. Returns its path. */
  create(name: string, max: number): string {
    this.seq += 1;
    const dir = join(this.dir, `${name}.${process.pid}.${this.seq}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'pids.max'), String(max));
    return dir;
  }

  /** Kills whatever is still in a child cgroup and removes it (best effort: a busy one stays for `sweep`). */
  remove(dir: string): void {
    killMembers(dir);
    try {
      rmdirSync(dir);
    } catch {
      // still emptying; the next sweep removes it
    }
  }

  /**
   * Kills every process in every child cgroup (what a previous supervisor of this fleet left behind) and
   * removes the children it can. Returns the pids killed.
   */
  sweep(): number[] {
    const killed: number[] = [];
    let children: string[] = [];
    try {
      children = readdirSync(this.dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(this.dir, d.name));
    } catch {
      return killed;
    }
    for (const child of children) killed.push(...killMembers(child));
    for (const child of children) {
      try {
        rmdirSync(child);
      } catch {
        // a killed process is still exiting; it stays until the next sweep
      }
    }
    return killed;
  }

  /** Removes the fleet's cgroup when it is empty. */
  close(): void {
    this.sweep();
    try {
      rmdirSync(this.dir);
    } catch {
      // not empty yet
    }
  }
}
