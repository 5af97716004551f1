/**
 * Where a fleet keeps its journal, control socket and worker slots: outside the user's working tree
 * (so test runners, linters and `git status` never see it) and outside every sandbox's reach.
 *
 * Default: `$XDG_STATE_HOME/codex-fleet/<repo name>-<short hash of the repo path>/`, with
 * `~/.local/state` when XDG_STATE_HOME is unset. `--state-dir` or `CODEX_FLEET_STATE_DIR` move it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

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

  /** Creates the directory, readable by its owner only. */
  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    mkdirSync(this.slots, { recursive: true, mode: 0o700 });
  }
}
