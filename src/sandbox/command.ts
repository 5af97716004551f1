/**
 * The one place that builds what a command run for a worker gets: the agent's command policy with the
 * task's worktree as the only writable place, the repository's installed dependencies readable and
 * executable (they are linked into the worktree), tool caches and temporary files inside the worktree,
 * and the allow-listed environment. The exec service and `codex fleet sandbox --command-policy` both
 * use it, so the second shows exactly what the first runs.
 *
 * @example
 * ```ts
 * const spawn = buildCommandSpawn(spec, { workdir: '/slot/tasks/t-1', argv: ['npm', 'test'], timeoutS: 300 });
 * ```
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentSpec } from '../spec/types.js';
import { sandboxEnv } from './env.js';
import { buildSandboxedSpawn, type SandboxedSpawn } from './launcher.js';
import type { SandboxIdentity } from './identity.js';
import { compilePolicy, type SandboxPolicy } from './policy.js';

export interface CommandSpawnOptions {
  /** The task's worktree: the command's only writable place. */
  readonly workdir: string;
  readonly argv: readonly string[];
  /** Working directory inside `workdir`. Default: `workdir`. */
  readonly cwd?: string;
  /** Seconds until the launcher kills the whole tree. */
  readonly timeoutS?: number;
  /** Directories of installed dependencies (e.g. the repository's node_modules): readable and executable. */
  readonly dependencies?: readonly string[];
  readonly landlockAbiOverride?: number;
  readonly unsafeNoSandbox?: boolean;
  /** Who the command runs as when the fleet is root (the workers' sandbox user). */
  readonly identity?: SandboxIdentity;
  /** A pids cgroup for the command tree, else RLIMIT_NPROC (`nproc`). */
  readonly cgroup?: string;
  readonly nproc?: number;
}

/** Cache and config locations of common tools, pointed into the worktree's `.home`. */
export function toolCacheEnv(workdir: string): Record<string, string> {
  const home = join(workdir, '.home');
  return {
    npm_config_cache: join(home, '.npm'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    PIP_CACHE_DIR: join(home, '.cache', 'pip'),
    PYTHONDONTWRITEBYTECODE: '1',
    CI: '1',
  };
}

/** The command policy for one run. */
export function commandPolicy(spec: AgentSpec, options: CommandSpawnOptions): SandboxPolicy {
  const path = sandboxEnv({ kind: 'command', slotDir: options.workdir, agent: spec.name }).PATH!;
  const policy = compilePolicy(spec, {
    kind: 'command',
    slotDir: options.workdir,
    program: options.argv,
    path,
    ...(options.timeoutS !== undefined ? { timeoutS: options.timeoutS } : {}),
    ...(options.identity !== undefined ? { identity: options.identity } : {}),
  });
  const deps: string[] = [];
  for (const dir of options.dependencies ?? []) {
    try {
      deps.push(realpathSync(dir));
    } catch {
      // not installed: nothing to grant
    }
  }
  if (deps.length === 0) return policy;
  return Object.freeze({ ...policy, exec: Object.freeze([...new Set([...policy.exec, ...deps])]) });
}

/** The spawn (launcher, args, environment, cwd) of one command run. */
export function buildCommandSpawn(spec: AgentSpec, options: CommandSpawnOptions): SandboxedSpawn {
  const policy = commandPolicy(spec, options);
  return buildSandboxedSpawn(policy, options.argv, {
    cwd: options.cwd ?? options.workdir,
    extraEnv: toolCacheEnv(options.workdir),
    ...(options.landlockAbiOverride !== undefined ? { landlockAbiOverride: options.landlockAbiOverride } : {}),
    ...(options.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
    ...(options.cgroup !== undefined ? { cgroup: options.cgroup } : options.nproc !== undefined ? { nproc: options.nproc } : {}),
  });
}
