/**
 * The policy compiler: agent spec + slot directory → a frozen {@link SandboxPolicy} → launcher argv.
 *
 * Two kinds: `worker` (the agent's long-lived worker process: no processes, no sockets) and `command`
 * (a command the exec service runs for a worker: processes and socketpairs, no socket() of any family).
 * Both read only the runtime, the program, the spec's `read_paths` and the slot, and write only the slot.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { BASE_SYSCALLS, commandOnlyReason, expandSyscalls, forbiddenReason, isKnownSyscall, SYSCALL_GROUPS } from '../spec/syscalls/catalog.js';
import { X86_64_SYSCALLS } from '../spec/syscalls/table-x86_64.js';
import type { AgentSpec } from '../spec/types.js';
import { resolveSandboxIdentity, type SandboxIdentity } from './identity.js';
import { elfInterpreter, packageRoot, realOrUndefined, resolveExecutable, shebang } from './paths.js';
import { isWorkerFolder, runtimeLibraryDirs } from './runtimes.js';

export type SandboxKind = 'worker' | 'command';

export interface SandboxPolicy {
  readonly kind: SandboxKind;
  readonly agent: string;
  /** Absolute; the only place the sandbox may write. */
  readonly slotDir: string;
  /** Read-only (files and directories, recursively). */
  readonly read: readonly string[];
  /** Read and execute. */
  readonly exec: readonly string[];
  /** Read, write, create, remove (never execute). */
  readonly write: readonly string[];
  /** Allowed syscall names, sorted. The launcher adds its fixed rules on top (see native/launcher/README.md). */
  readonly syscalls: readonly string[];
  /** The same as x86_64 numbers, ascending. */
  readonly syscallNumbers: readonly number[];
  /** RLIMIT_DATA, RLIMIT_NOFILE, and RLIMIT_FSIZE (`limits.disk_mb`: the largest file it may write). */
  readonly rlimits: { readonly dataBytes: number; readonly nofile: number; readonly fsizeBytes: number };
  /** `limits.threads`: tasks at once (pids cgroup, or RLIMIT_NPROC of {@link identity} as a fallback). */
  readonly threads: number;
  /** `limits.disk_mb` in bytes: the most the slot may hold (checked by the supervisor). */
  readonly diskBytes: number;
  /** The unprivileged user it runs as (set whenever the supervisor is root); absent: the caller's own. */
  readonly identity?: SandboxIdentity;
  /** Command policy: seconds before the launcher kills the command's tree. */
  readonly timeoutS?: number;
  /** Lowest Landlock ABI that enforces this policy fully; the launcher refuses below it. */
  readonly requiredLandlockAbi: number;
  /**
   * The policy lets the sandbox send signals, which must stay inside it: Landlock signal scoping (ABI 6)
   * or, for commands on older kernels, a PID namespace for the command tree (`--confine-signals`).
   */
  readonly confineSignals: boolean;
  /** Why `requiredLandlockAbi` is what it is (for `codex fleet sandbox --check`). */
  readonly requiredFor: string;
}

/** A spec that cannot become a policy. Names every offending syscall. */
export class SandboxPolicyError extends Error {
  readonly code = 'CODEX_FLEET_SANDBOX_POLICY';
  constructor(
    message: string,
    readonly agent: string,
    readonly forbidden: readonly { readonly name: string; readonly reason: string }[],
    readonly unknown: readonly string[],
  ) {
    super(message);
    this.name = 'SandboxPolicyError';
  }
}

/**
/**
 * What the exec-service's commands get on top of the base set: processes, socketpairs for child stdio
 * and IPC (never socket(): the launcher refuses every family), signals within the sandbox, links,
 * timers, reading xattrs. Not file metadata, xattr writers or inotify ({@link COMMAND_ONLY_SYSCALLS}):
 * a command gets those only when the spec lists them, a documented weakening. (`utimensat` setting
 * "now", as `touch` does, is allowed by the launcher itself; `fchmod` goes through the launcher's
 * checking handler.)
 */
export const COMMAND_SYSCALLS: readonly string[] = Object.freeze(
  [
    'fork', 'vfork', 'wait4', 'waitid', 'setpgid', 'setsid', 'execveat', 'flock',
    'socketpair', 'shutdown', 'sendto', 'recvfrom',
    'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'getsockname', 'getpeername', 'setsockopt', 'getsockopt',
    'memfd_create', 'pidfd_open', 'pidfd_send_signal',
    ...expandSyscalls(['@signal', '@file-links', '@timer', '@sync', '@xattr']),
  ].filter((name) => commandOnlyReason(name) === undefined),
);

/** Syscalls that send signals: confining them to the sandbox takes Landlock signal scoping (ABI 6). */
const SIGNAL_SYSCALLS = new Set(['kill', 'tgkill', 'tkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_send_signal']);

const MIB = 1024 * 1024;
const DEFAULT_NOFILE = { worker: 1024, command: 4096 } as const;

/** System library directories the dynamic loader searches (only those present). */
const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64'];

/** Small system files runtimes read at start; none holds a secret. */
const RUNTIME_FILES = ['/etc/ld.so.cache', '/etc/ssl/openssl.cnf', '/etc/localtime', '/proc/meminfo'];

/** Devices every sandbox may open (and write, for /dev/null). */
const READ_DEVICES = ['/dev/urandom', '/dev/random', '/dev/zero'];
const WRITE_DEVICES = ['/dev/null'];

/**
 * What a command may read and run besides its workspace: the system's programs and their data, and the
 * public configuration runtimes and package managers read at start (npm's global config names a CA
 * bundle under /etc/ssl/certs; /etc/ssl/private is never included).
 *
 * `/proc` as a whole: every process of a command tree reads its own `/proc/self/stat` (Node's
 * `process.memoryUsage()`, which vitest's worker pool calls) and Landlock rules cannot name "each
 * process's own entry". Landlock still refuses what needs ptrace access to a process outside the
 * sandbox (`environ`, `mem`, `maps`, `fd/`, `cwd`); what stays visible is what `ps` shows any local
 * user (command lines, status).
 */
const COMMAND_READ = [
  '/usr', '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/hosts', '/etc/host.conf', '/etc/resolv.conf',
  '/etc/gitconfig', '/etc/alternatives', '/etc/locale.alias', '/etc/os-release',
  '/etc/ssl/certs', '/etc/ca-certificates.conf', '/etc/pki/tls/certs', '/etc/pki/ca-trust/extracted',
  '/proc', '/sys/devices/system/cpu',
];
const COMMAND_EXEC = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/lib', '/usr/libexec', '/usr/local/lib'];

/**
 * Packages (beyond the codex-fleet package itself) that a Node worker imports at run time; each is made
 * readable where Node would resolve it. The runner itself needs none (it is bundled into one file,
 * scripts/bundle-worker.mjs); the built-in bots (dist/src/bots) import `typescript` for the compiler
 * API, lazily, when a task needs it. When the package is out of the sandbox user's reach, stage.ts
 * copies what the bots import of these packages next to the staged runner.
 */
export const RUNNER_DEPENDENCIES: readonly string[] = Object.freeze(['typescript']);

export interface CompileOptions {
  readonly kind: SandboxKind;
  readonly slotDir: string;
  /** More read-only paths (e.g. a task's base repository objects); must be absolute. */
  readonly extraRead?: readonly string[];
  /**
   * The program the sandbox will run when it is not the agent's own worker program (`codex fleet
   * sandbox --agent … -- CMD`, or the exec service's command): its executable becomes executable.
   */
  readonly program?: readonly string[];
  /** PATH used to resolve a bare program name. */
  readonly path?: string;
  /** Command policy: seconds until the tree is killed. Default: none. */
  readonly timeoutS?: number;
  /** Node binary of the runner. Default: the running one. */
  readonly nodePath?: string;
  /**
   * Who the sandboxed code runs as. Default: when this process is root, 65534:65534; otherwise the
   * user itself (see identity.ts). Sandboxed code never runs as root.
   */
  readonly identity?: SandboxIdentity;
  /**
   * The Node runner bundle to grant instead of the package's `dist/` (a read-only copy staged where the
   * sandbox user can read it, see stage.ts); its directory is granted.
   */
  readonly runner?: string;
}

/** Validates a spec's `allowed_syscalls` and returns the full allowed set (names). */
export function resolveSyscalls(spec: Pick<AgentSpec, 'name' | 'allowed_syscalls'>, kind: SandboxKind): string[] {
  const forbidden: { name: string; reason: string }[] = [];
  const unknown: string[] = [];
  for (const entry of spec.allowed_syscalls) {
    if (entry.startsWith('@') && !Object.hasOwn(SYSCALL_GROUPS, entry)) unknown.push(entry);
  }
  const asked = expandSyscalls(spec.allowed_syscalls.filter((e) => !unknown.includes(e)));
  for (const name of asked) {
    const reason = forbiddenReason(name);
    if (reason !== undefined) forbidden.push({ name, reason });
    else if (!isKnownSyscall(name)) unknown.push(name);
  }
  if (forbidden.length > 0 || unknown.length > 0) {
    const parts = [
      ...forbidden.map((f) => `"${f.name}" is never allowed (${f.reason})`),
      ...unknown.map((u) => `"${u}" is not a known x86_64 syscall or @group`),
    ];
    throw new SandboxPolicyError(`Agent "${spec.name}" allowed_syscalls: ${parts.join('; ')}`, spec.name, forbidden, unknown);
  }
  const all = new Set([...BASE_SYSCALLS, ...asked, ...(kind === 'command' ? COMMAND_SYSCALLS : [])]);
  // Never passed, whatever the sets say: the launcher answers these itself.
  all.delete('clone3');
  if (kind === 'worker') {
    for (const name of ['fork', 'vfork', 'socket', 'socketpair']) all.delete(name);
    // File metadata, xattr writers and inotify: a spec that lists them opts its commands in, never its workers.
    for (const name of [...all]) if (commandOnlyReason(name) !== undefined) all.delete(name);
  }
  return [...all].sort();
}

/** Executable + its loader + a script's interpreter, resolved for exec grants. */
function executableGrants(argv: readonly string[], path: string, into: { exec: Set<string>; read: Set<string> }): void {
  const first = argv[0];
  if (first === undefined) return;
  const file = resolveExecutable(first, path);
  if (file === undefined) return; // the launcher reports "not found" with exit 127
  into.exec.add(file);
  const real = realOrUndefined(file);
  if (real !== undefined) grantBinary(real, path, into);
  // Script arguments that are files the program will read (node script.js, python3 bot.py).
  for (const arg of argv.slice(1)) {
    if (isAbsolute(arg) && existsSync(arg) && statSync(arg).isFile()) for (const p of programFileGrants(arg)) into.read.add(p);
  }
  // The standard library of a known interpreter (Perl, Ruby, Lua, PHP, Python) where it lies outside /usr/lib.
  for (const dir of runtimeLibraryDirs(into.exec)) into.read.add(dir);
}

/**
 * What a worker may read of its program file (a plugin or a script): the file itself, and its directory
 * only when that directory is a package of its own (a package manifest such as package.json, cpanfile
 * or Gemfile) and not the user's project (no .git, no .env, …). A worker made of several files is
 * therefore a package in its own directory; the worker never sees the repository around it.
 */
export function programFileGrants(file: string): string[] {
  const dir = dirname(file);
  return isWorkerFolder(dir) ? [file, dir] : [file];
}

function grantBinary(real: string, path: string, into: { exec: Set<string>; read: Set<string> }, depth = 0): void {
  into.exec.add(real);
  const loader = elfInterpreter(real);
  if (loader !== undefined) into.exec.add(loader);
  const bang = shebang(real);
  if (bang !== undefined && depth < 2) {
    const interp = realOrUndefined(bang.interpreter);
    if (interp !== undefined) grantBinary(interp, path, into, depth + 1);
    if (bang.arg !== undefined && /env$/.test(bang.interpreter)) {
      const target = resolveExecutable(bang.arg, path);
      const realTarget = target === undefined ? undefined : realOrUndefined(target);
      if (realTarget !== undefined) grantBinary(realTarget, path, into, depth + 1);
    }
  }
}

/**
 * A Node installed outside /usr (e.g. /opt/node, nvm): its prefix's `bin` and `lib/node_modules` (npm
 * itself) run, and its global npm config `etc/npmrc` is read when every user may read it anyway.
 */
function nodePrefixGrants(node: string | undefined): string[] {
  if (node === undefined) return [];
  const prefix = dirname(dirname(node));
  if (prefix === '/usr' || prefix.startsWith('/usr/')) return [];
  const out = [join(prefix, 'bin'), join(prefix, 'lib', 'node_modules')].filter((p) => existsSync(p));
  const npmrc = join(prefix, 'etc', 'npmrc');
  try {
    if ((statSync(npmrc).mode & 0o004) !== 0) out.push(npmrc);
  } catch {
    // no global npm config
  }
  return out;
}

function existing(paths: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const p of paths) if (existsSync(p)) out.add(p);
  return [...out];
}

/** Compiles an agent spec into the policy for one of its workers or commands. */
export function compilePolicy(spec: AgentSpec, options: CompileOptions): SandboxPolicy {
  const { kind } = options;
  if (!isAbsolute(options.slotDir)) throw new Error(`Slot directory must be absolute, got "${options.slotDir}"`);
  const slotDir = resolve(options.slotDir);
  const syscalls = resolveSyscalls(spec, kind);
  const identity = options.identity ?? resolveSandboxIdentity();
  const syscallNumbers = syscalls.map((name) => X86_64_SYSCALLS[name]!).sort((a, b) => a - b);
  const path = options.path ?? '/usr/local/bin:/usr/bin:/bin';

  const read = new Set<string>([...LIBRARY_DIRS, ...RUNTIME_FILES, ...READ_DEVICES]);
  const exec = new Set<string>();
  const grants = { exec, read };

  // The Node runtime (always: the Node runner, and `node` is what most commands run).
  const node = realOrUndefined(options.nodePath ?? process.execPath);
  if (node !== undefined) grantBinary(node, path, grants);

  if (spec.worker.kind === 'plugin' && options.program === undefined && options.runner !== undefined) {
    read.add(dirname(options.runner));
    for (const p of programFileGrants(spec.worker.pluginPath)) read.add(p);
  } else if (spec.worker.kind === 'plugin' && options.program === undefined) {
    const root = packageRoot();
    read.add(join(root, 'package.json'));
    read.add(join(root, 'dist'));
    for (const dep of RUNNER_DEPENDENCIES) {
      for (let dir = root; ; dir = dirname(dir)) {
        const candidate = join(dir, 'node_modules', dep);
        if (existsSync(candidate)) {
          read.add(candidate);
          break;
        }
        if (dirname(dir) === dir) break;
      }
    }
    for (const p of programFileGrants(spec.worker.pluginPath)) read.add(p);
  }
  if (options.program !== undefined) {
    // A program given at run time gets its executable, never its arguments: "exactly the agent's policy".
    executableGrants(options.program.slice(0, 1), path, grants);
  } else if (spec.worker.kind === 'command') {
    // The spec's own program (trusted configuration): also the files its arguments name.
    executableGrants(spec.worker.argv, path, grants);
  }
  if (kind === 'command' || spec.worker.kind === 'command' || options.program !== undefined) {
    // Interpreters other than Node keep their standard library under /usr/lib.
    read.add('/usr/lib');
  }
  if (kind === 'worker') {
    // Its own /proc entry (the launcher resolves /proc/self to its pid, which the exec keeps): glibc and
    // V8 read /proc/self/maps for stack bounds.
    read.add('/proc/self');
  } else {
    for (const p of COMMAND_READ) read.add(p);
    for (const p of COMMAND_EXEC) exec.add(p);
    for (const p of nodePrefixGrants(node)) (p.endsWith('npmrc') ? read : exec).add(p);
  }
  // The spec's read_paths, validated when the spec was loaded (never the repository, $HOME or secrets).
  for (const p of spec.read_paths) read.add(p);
  for (const p of options.extraRead ?? []) {
    if (!isAbsolute(p)) throw new Error(`Extra read path must be absolute, got "${p}"`);
    read.add(p);
  }

  // Commands may signal: below Landlock ABI 6 the launcher gives their tree a PID namespace instead
  // (socket() is refused, so abstract-socket scoping is not needed). A worker has no such fallback.
  const signals = syscalls.some((name) => SIGNAL_SYSCALLS.has(name));
  const requiredLandlockAbi = kind === 'worker' && signals ? 6 : 1;
  const requiredFor =
    kind === 'command'
      ? 'filesystem rules; signals kept inside by Landlock signal scoping (ABI 6) or else a PID namespace'
      : signals
        ? 'allowed_syscalls lets the worker send signals: confining them to the sandbox needs signal scoping'
        : 'filesystem rules';

  const policy: SandboxPolicy = {
    kind,
    agent: spec.name,
    slotDir,
    read: Object.freeze(existing(read).filter((p) => !exec.has(p))),
    // A command may run what a test suite keeps in its workspace (./run.sh, node_modules/.bin/*): it may
    // start processes anyway, and each one stays in this same sandbox. A worker's slot never executes.
    exec: Object.freeze([...existing(exec), ...(kind === 'command' ? [slotDir] : [])]),
    write: Object.freeze([slotDir, ...existing(WRITE_DEVICES)]),
    syscalls: Object.freeze(syscalls),
    syscallNumbers: Object.freeze(syscallNumbers),
    rlimits: Object.freeze({ dataBytes: spec.limits.memory_mb * MIB, nofile: DEFAULT_NOFILE[kind], fsizeBytes: spec.limits.disk_mb * MIB }),
    threads: spec.limits.threads,
    diskBytes: spec.limits.disk_mb * MIB,
    ...(identity !== undefined ? { identity } : {}),
    ...(options.timeoutS !== undefined ? { timeoutS: options.timeoutS } : {}),
    requiredLandlockAbi,
    confineSignals: signals,
    requiredFor,
  };
  return Object.freeze(policy);
}

export interface LauncherArgOptions {
  /** Pretend the kernel has at most this Landlock ABI (tests of the refusal path). */
  readonly landlockAbiOverride?: number;
  /** The launcher refuses to start if its parent is not this pid (it died meanwhile). */
  readonly parentPid?: number;
  /**
   * Explain mode (worker policy only): every syscall the filter refuses is recorded in this file (one
   * line each, read by `src/sandbox/explain.ts`) and still answered with EPERM.
   */
  readonly explainFile?: string;
  /** A pids cgroup directory (made by cgroup.ts) the launcher joins before anything else runs. */
  readonly cgroup?: string;
  /**
   * RLIMIT_NPROC, where no pids cgroup can be had. It counts every process and thread of the sandbox's
   * uid system-wide, so it bounds all workers of that uid together, not one.
   */
  readonly nproc?: number;
}

/** The launcher's argv for a policy (without the launcher path and without the program). */
export function launcherArgs(policy: SandboxPolicy, options: LauncherArgOptions = {}): string[] {
  const args = ['--policy', policy.kind];
  for (const p of policy.read) args.push('--read', p);
  for (const p of policy.exec) args.push('--exec', p);
  for (const p of policy.write) args.push('--write', p);
  args.push('--allow', policy.syscallNumbers.join(','));
  args.push('--rlimit-data', String(policy.rlimits.dataBytes), '--rlimit-nofile', String(policy.rlimits.nofile));
  args.push('--rlimit-fsize', String(policy.rlimits.fsizeBytes));
  if (policy.identity !== undefined) args.push('--uid', String(policy.identity.uid), '--gid', String(policy.identity.gid));
  if (options.cgroup !== undefined) args.push('--cgroup', options.cgroup);
  if (options.nproc !== undefined) args.push('--rlimit-nproc', String(options.nproc));
  if (policy.kind === 'command' && policy.timeoutS !== undefined) args.push('--timeout-s', String(policy.timeoutS));
  args.push('--require-abi', String(policy.requiredLandlockAbi));
  if (policy.confineSignals) args.push('--confine-signals');
  if (options.parentPid !== undefined) args.push('--parent-pid', String(options.parentPid));
  if (options.landlockAbiOverride !== undefined) args.push('--landlock-abi-override', String(options.landlockAbiOverride));
  if (options.explainFile !== undefined) {
    if (policy.kind !== 'worker') throw new Error('Explain mode covers the worker policy only');
    args.push('--explain-file', options.explainFile);
  }
  return args;
}
