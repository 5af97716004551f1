/**
 * A state directory is trusted with the control token and the journal, so it must be the user's own:
 * a directory (not a symlink) owned by the current user with mode 0700, and so must the `codex-fleet`
 * directory above a default state directory. Files in it are opened without following symlinks.
 */
import { closeSync, constants, lstatSync, openSync, readFileSync, rmSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';

export class UnsafeStateDirError extends Error {
  readonly code = 'CODEX_FLEET_UNSAFE_STATE_DIR';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`Refusing the state directory ${path}: ${problem}`);
    this.name = 'UnsafeStateDirError';
  }
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** Throws {@link UnsafeStateDirError} unless `path` is a real directory owned by us with mode 0700. */
export function checkPrivateDir(path: string, stats: Stats = lstatSync(path)): void {
  if (stats.isSymbolicLink()) {
    throw new UnsafeStateDirError(path, 'it is a symbolic link; remove it, or name the real directory with --state-dir');
  }
  if (!stats.isDirectory()) throw new UnsafeStateDirError(path, 'it is not a directory; remove it or give another --state-dir');
  if (stats.uid !== uid()) {
    throw new UnsafeStateDirError(
      path,
      `it belongs to uid ${stats.uid}, not to you (uid ${uid()}); someone else could read the control token or swap its files. Remove it, or use another --state-dir`,
    );
  }
  const mode = stats.mode & 0o777;
  if (mode !== 0o700) {
    throw new UnsafeStateDirError(
      path,
      `its mode is ${mode.toString(8).padStart(4, '0')}, not 0700; others could read or replace its files. Check its contents, then "chmod 700 ${path}"`,
    );
  }
}

/**
 * The directories that must be private for `stateDir`: itself, and the `codex-fleet` directory above
 * it when it lives in one (the default layout).
 */
export function privateDirsOf(stateDir: string): string[] {
  const parent = dirname(stateDir);
  return basename(parent) === 'codex-fleet' ? [parent, stateDir] : [stateDir];
}

/** Checks an existing state directory (and its `codex-fleet` parent) without creating anything. */
export function checkStateDir(stateDir: string): void {
  for (const dir of privateDirsOf(stateDir)) checkPrivateDir(dir);
}

/** Refuses a file of the state directory that is anything but a regular file (a symlink above all). */
export function checkStateFile(path: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isFile()) {
    throw new UnsafeStateDirError(
      dirname(path),
      `${basename(path)} is ${stats.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; remove it (no supervisor ever creates one)`,
    );
  }
}

/**
 * Writes a fresh file (mode 0600) that must not exist yet: O_EXCL and O_NOFOLLOW, after removing what
 * was there (the caller holds the supervisor lock, so what was there is a dead supervisor's).
 */
export function writeFreshFile(path: string, text: string): void {
  rmSync(path, { force: true });
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Reads a file of the state directory without following a symlink (ELOOP if it is one). */
export function readStateFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
