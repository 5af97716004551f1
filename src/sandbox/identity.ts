/**
 * The unprivileged user sandboxed code runs as when the supervisor is root. Root without capabilities
 * is still the owner of most of the machine: it may change the mode, owner, times and xattrs of any file
 * it can open, whatever Landlock says. So when codex fleet runs as uid 0, every worker and command runs
 * as this uid/gid instead (default 65534, "nobody"), with no supplementary groups.
 *
 * Who sets it: `--sandbox-user UID[:GID]` on `start`, `sandbox` and `conformance`, or the supervisor's
 * `sandboxUser` option. A user that is not root runs sandboxed code as itself.
 */
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** "nobody"/"nogroup" on most distributions. */
export const DEFAULT_SANDBOX_ID = 65534;

export interface SandboxIdentity {
  readonly uid: number;
  readonly gid: number;
}

/** A `--sandbox-user` value or identity that cannot be used. */
export class SandboxUserError extends Error {
  readonly code = 'CODEX_FLEET_SANDBOX_USER';
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUserError';
  }
}

const ID_MAX = 0xfffffffe;

function parseId(text: string, what: string, whole: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new SandboxUserError(`--sandbox-user expects UID[:GID] as numbers, got "${whole}" (${what} "${text}")`);
  const n = Number(text);
  if (n > ID_MAX) throw new SandboxUserError(`--sandbox-user: ${what} ${n} is out of range (at most ${ID_MAX})`);
  return n;
}

/** Parses `UID[:GID]` (numbers; GID defaults to UID). */
export function parseSandboxUser(text: string): SandboxIdentity {
  const [u, g, extra] = text.split(':');
  if (u === undefined || extra !== undefined) throw new SandboxUserError(`--sandbox-user expects UID[:GID], got "${text}"`);
  const uid = parseId(u, 'uid', text);
  const gid = g === undefined ? uid : parseId(g, 'gid', text);
  return { uid, gid };
}

/**
 * The identity sandboxed code runs as: `requested` (or 65534:65534) when this process is root,
 * nothing when it is not (sandboxed code then runs as the user). Refuses uid or gid 0, and a request
 * a non-root process cannot honour.
 */
export function resolveSandboxIdentity(requested?: SandboxIdentity, euid = process.geteuid?.() ?? -1): SandboxIdentity | undefined {
  if (euid !== 0) {
    if (requested !== undefined && requested.uid !== euid) {
      throw new SandboxUserError(
        `--sandbox-user ${requested.uid}:${requested.gid} needs root: codex fleet runs as uid ${euid}, and sandboxed code runs as that user`,
      );
    }
    return undefined;
  }
  const id = requested ?? { uid: DEFAULT_SANDBOX_ID, gid: DEFAULT_SANDBOX_ID };
  if (id.uid === 0 || id.gid === 0) {
    throw new SandboxUserError(`--sandbox-user ${id.uid}:${id.gid}: sandboxed code never runs as uid 0 or gid 0; pick an unprivileged user such as 65534:65534`);
  }
  return Object.freeze({ uid: id.uid, gid: id.gid });
}

/** Whether `id` may read (`r`) or search/execute (`x`) by the mode bits of `st` (ACLs are not consulted). */
function permits(st: Stats, id: SandboxIdentity, bit: 4 | 1): boolean {
  const shift = st.uid === id.uid ? 6 : st.gid === id.gid ? 3 : 0;
  return ((st.mode >> shift) & bit) !== 0;
}

/**
 * Why `id` cannot reach `path` (every ancestor searchable, the path itself readable, and for `exec`
 * executable), or undefined when it can. Judged by owner, group and mode bits, not ACLs.
 */
export function unreachableReason(path: string, id: SandboxIdentity, exec = false): string | undefined {
  const full = resolve(path);
  const ancestors: string[] = [];
  for (let dir = dirname(full); ; dir = dirname(dir)) {
    ancestors.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of ancestors) {
    let st: Stats;
    try {
      st = statSync(dir);
    } catch {
      return `${dir} does not exist`;
    }
    if (!permits(st, id, 1)) return `${dir} is not searchable by uid ${id.uid} (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`;
  }
  let st: Stats;
  try {
    st = statSync(full);
  } catch {
    return `${full} does not exist`;
  }
  if (!permits(st, id, 4)) return `${full} is not readable by uid ${id.uid} (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`;
  if ((exec || st.isDirectory()) && !permits(st, id, 1)) {
    return `${full} is not ${st.isDirectory() ? 'searchable' : 'executable'} by uid ${id.uid} (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`;
  }
  return undefined;
}

/**
 * Creates `dir` if needed and makes it belong to `id`, mode 0700, without ever following a symlink: the
 * directory may sit inside a slot the sandbox user controls, where `dir` could have been replaced by a
 * link to a file root cares about. A non-directory found in its place is removed (not followed) first.
 */
export function ensureOwnedDir(dir: string, id: SandboxIdentity | undefined): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
      mkdirSync(dir, { mode: 0o700 });
    } else if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  if (id === undefined) return;
  if (!lstatSync(dir).isDirectory()) {
    // Something the sandbox user put in place of the directory (e.g. a link to a file root cares about):
    // removed, never followed, and the directory made afresh.
    rmSync(dir, { force: true });
    mkdirSync(dir, { mode: 0o700 });
  }
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const opened = fstatSync(fd);
    if (opened.uid !== id.uid || opened.gid !== id.gid) fchownSync(fd, id.uid, id.gid);
    if ((opened.mode & 0o777) !== 0o700) fchmodSync(fd, 0o700);
  } finally {
    closeSync(fd);
  }
}
