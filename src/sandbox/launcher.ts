/**
 * The built launcher binary, what its exit codes mean, and how to spawn a program under a policy.
 */
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { sandboxEnv, slotDirs } from './env.js';
import type { FchmodHandoff } from './fchmod-handler.js';
import { ensureOwnedDir, type SandboxIdentity } from './identity.js';
import { packageRoot } from './paths.js';
import { launcherArgs, type SandboxPolicy } from './policy.js';
import { reachMessage } from './reach.js';

/** Where `npm install` (scripts/build-launcher.mjs) puts the launcher. */
export function launcherPath(): string {
  return join(packageRoot(), 'native', 'launcher', 'build', 'codex-fleet-launcher');
}

/** The launcher's own exit codes. Mirrors the enum in native/launcher/launcher.c; keep both in step. */
export const LAUNCHER_EXIT_CODES: Readonly<Record<number, { readonly name: string; readonly meaning: string }>> =
  Object.freeze({
    111: { name: 'USAGE', meaning: 'bad launcher command line or policy' },
    112: { name: 'LANDLOCK_MISSING', meaning: 'Landlock is unavailable or its ABI is lower than the policy needs' },
    113: { name: 'PARENT_GONE', meaning: 'the parent died before the sandbox was in place' },
    114: { name: 'CAPS', meaning: 'dropping capabilities or switching to the sandbox user failed' },
    115: { name: 'PRCTL', meaning: 'no_new_privs, parent-death signal, subreaper or securebits failed' },
    116: { name: 'RLIMIT', meaning: 'setting a resource limit or joining the pids cgroup failed' },
    117: { name: 'PROCESS', meaning: 'creating a process group or closing inherited descriptors failed' },
    118: { name: 'LANDLOCK', meaning: 'building or enforcing the Landlock ruleset failed (e.g. a policy path is missing)' },
    119: { name: 'SECCOMP', meaning: 'building or installing the seccomp filter failed' },
    120: { name: 'RESIDENT', meaning: 'command policy: fork or supervision failed' },
    124: { name: 'TIMEOUT', meaning: 'command policy: the time limit passed and the whole tree was killed' },
    125: { name: 'STOPPED', meaning: 'command policy: the parent died or SIGUSR1 asked to stop; the whole tree was killed' },
    126: { name: 'EXEC_FAILED', meaning: 'the program could not be executed (e.g. EACCES: not allowed by the policy)' },
    127: { name: 'NOT_FOUND', meaning: 'the program was not found' },
  });

/** The launcher exit codes as names, for code that branches on them. */
export const LauncherExit = Object.freeze({
  USAGE: 111,
  LANDLOCK_MISSING: 112,
  PARENT_GONE: 113,
  TIMEOUT: 124,
  STOPPED: 125,
  EXEC_FAILED: 126,
  NOT_FOUND: 127,
} as const);

/**
 * What an exit code means, if it is one of the launcher's own. For the worker policy the launcher has
 * been replaced by the program once it runs, so a program may use these codes too: read stderr's
 * `codex-fleet-launcher:` line to be sure.
 */
export function describeLauncherExit(code: number | null): string | undefined {
  return code === null ? undefined : LAUNCHER_EXIT_CODES[code]?.meaning;
}

export interface SandboxedSpawn {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** False only with `unsafeNoSandbox`: the caller must log that loudly. */
  readonly sandboxed: boolean;
  /** The shared fchmod handler's socket: the caller must give it to the launcher as descriptor 3. */
  readonly handoff?: Socket;
}

export interface SpawnOptions {
  /** Working directory; must lie inside what the policy can read. Default: the slot. */
  readonly cwd?: string;
  /** Replaces the allow-listed environment's pass-through source. Default: process.env. */
  readonly fromEnv?: NodeJS.ProcessEnv;
  /** Extra variables (e.g. the worker's protocol settings); must not carry secrets. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Override the launcher binary. */
  readonly launcher?: string;
  readonly landlockAbiOverride?: number;
  /** Explain mode: record every refused syscall in this file (see `src/sandbox/explain.ts`). */
  readonly explainFile?: string;
  /** A pids cgroup directory the launcher joins (cgroup.ts); bounds the tasks to `policy.threads`. */
  readonly cgroup?: string;
  /** RLIMIT_NPROC where no cgroup could be had (counts every task of the sandbox's uid system-wide). */
  readonly nproc?: number;
  /**
   * The fleet's shared fchmod handler (fchmod-handler.ts; worker policy, not with `explainFile`). Without
   * it the launcher forks a handler of its own, one more process per start.
   */
  readonly fchmodHandler?: FchmodHandoff;
  /**
   * Run without any sandbox. Only for `--unsafe-no-sandbox`; the returned spawn has `sandboxed: false`
   * and the caller MUST log a warning saying the agent runs unconfined.
   */
  readonly unsafeNoSandbox?: boolean;
}

/** Thrown when the launcher binary is missing (not built). */
export class LauncherMissingError extends Error {
  readonly code = 'CODEX_FLEET_LAUNCHER_MISSING';
  constructor(readonly path: string) {
    super(
      `The sandbox launcher is not built (${path} is missing): run "node scripts/build-launcher.mjs" in the ` +
        'codex-fleet package (needs a C compiler, e.g. apt-get install gcc)',
    );
    this.name = 'LauncherMissingError';
  }
}

/** A policy whose user cannot reach what it grants (see reach.ts). */
export class SandboxReachError extends Error {
  readonly code = 'CODEX_FLEET_SANDBOX_REACH';
  constructor(message: string) {
    super(message);
    this.name = 'SandboxReachError';
  }
}

/**
 * Creates the slot and its home and temp directories (HOME and TMPDIR of the sandbox), owned by
 * `identity` when sandboxed code runs as another user (never following a symlink planted in the slot).
 */
export function prepareSlot(slotDir: string, identity?: SandboxIdentity): void {
  const { home, tmp } = slotDirs(slotDir);
  ensureOwnedDir(slotDir, identity);
  ensureOwnedDir(home, identity);
  ensureOwnedDir(tmp, identity);
}

/**
 * The full spawn for `program` (argv) under `policy`: launcher path, its args, the allow-listed env and
 * the cwd. Creates the slot's home and temp directories.
 */
export function buildSandboxedSpawn(policy: SandboxPolicy, program: readonly string[], options: SpawnOptions = {}): SandboxedSpawn {
  if (program.length === 0) throw new Error('No program to run');
  prepareSlot(policy.slotDir, options.unsafeNoSandbox === true ? undefined : policy.identity);
  const env = {
    ...sandboxEnv({ kind: policy.kind, slotDir: policy.slotDir, agent: policy.agent, ...(options.fromEnv ? { from: options.fromEnv } : {}) }),
    ...options.extraEnv,
  };
  const cwd = options.cwd ?? policy.slotDir;
  if (options.unsafeNoSandbox === true) {
    return Object.freeze({ file: program[0]!, args: Object.freeze(program.slice(1)), env, cwd, sandboxed: false });
  }
  const file = options.launcher ?? launcherPath();
  if (!existsSync(file)) throw new LauncherMissingError(file);
  const unreachable = reachMessage(policy);
  if (unreachable !== undefined) throw new SandboxReachError(unreachable);
  const args = [
    ...launcherArgs(policy, {
      parentPid: process.pid,
      ...(options.cgroup !== undefined ? { cgroup: options.cgroup } : {}),
      ...(options.nproc !== undefined ? { nproc: options.nproc } : {}),
      ...(options.landlockAbiOverride !== undefined ? { landlockAbiOverride: options.landlockAbiOverride } : {}),
      ...(options.explainFile !== undefined ? { explainFile: options.explainFile } : {}),
    }),
  ];
  const handler = policy.kind === 'worker' && options.explainFile === undefined ? options.fchmodHandler : undefined;
  if (handler !== undefined) args.push('--fchmod-handler-fd', '3', '--fchmod-handler-pid', String(handler.pid));
  args.push('--', ...program);
  return Object.freeze({
    file,
    args: Object.freeze(args),
    env: Object.freeze(env),
    cwd,
    sandboxed: true,
    ...(handler !== undefined ? { handoff: handler.socket } : {}),
  });
}
