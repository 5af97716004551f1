/**
 * Where a fleet keeps its journal, control socket and worker slots: outside the user's working tree
 * (so test runners, linters and `git status` never see it) and outside every sandbox's reach.
 *
 * Default: `$XDG_STATE_HOME/codex-fleet/<repo name>-<short hash of the repo path>/`, with
 * `~/.local/state` when XDG_STATE_HOME is unset. `--state-dir` or `CODEX_FLEET_STATE_DIR` move it.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { checkPrivateDir, checkStateFile, privateDirsOf, UnsafeStateDirError } from './state-dir-check.js';

/** The git work tree that contains `dir`, or `dir` itself when there is none. */
export function projectRoot(dir: string): string {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, '.git'))) return current;
    const parent = dirname(current);
    if (parent === current) return resolve(dir);
    current = parent;
  }
}

export interface StateDirOptions {
  /** An explicit directory (`--state-dir`). */
  readonly stateDir?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export function resolveStateDir(options: StateDirOptions = {}): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.stateDir) return resolve(cwd, options.stateDir);
  if (env['CODEX_FLEET_STATE_DIR']) return resolve(cwd, env['CODEX_FLEET_STATE_DIR']);
  const root = projectRoot(cwd);
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 8);
  const base = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
  return join(base, 'codex-fleet', `${basename(root) || 'root'}-${hash}`);
}

/** The files of one state directory. */
export class StatePaths {
  constructor(readonly dir: string) {}
  get journal(): string {
    return join(this.dir, 'journal.db');
  }
  get lock(): string {
    return join(this.dir, 'supervisor.lock');
  }
  get pidFile(): string {
    return join(this.dir, 'supervisor.pid');
  }
  get socket(): string {
    return join(this.dir, 'control.sock');
  }
  get token(): string {
    return join(this.dir, 'control.token');
  }
  get slots(): string {
    return join(this.dir, 'slots');
  }
  /** The private directory of one worker process: its HOME and where its tasks' files live. */
  slot(agent: string, index: number): string {
    return join(this.slots, `${agent}-${index}`);
  }

  /** The file that keeps the highest acknowledged task number apart from the journal's WAL. */
  get highWater(): string {
    return `${this.journal}.seq`;
  }

  /**
   * Creates the directory (mode 0700) if needed and refuses one that is not private to this user: a
   * symlink, someone else's, or open to others (see state-dir-check.ts). Also refuses symlinks in place
   * of the files the supervisor opens.
   */
  ensure(): void {
    for (const dir of privateDirsOf(this.dir)) {
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') mkdirSync(dir, { recursive: true, mode: 0o700 });
        else if (code !== 'EEXIST') throw error;
      }
      checkPrivateDir(dir);
    }
    for (const file of [this.journal, `${this.journal}-wal`, `${this.journal}-shm`, this.lock, this.pidFile, this.token, this.highWater]) {
      checkStateFile(file);
    }
    try {
      mkdirSync(this.slots, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lstatSync(this.slots).isSymbolicLink()) throw new UnsafeStateDirError(this.dir, 'slots is a symbolic link; remove it');
  }
}
