/**
 * The one place that says which syscalls a worker may make.
 *
 * A worker's seccomp allow-list is {@link BASE_SYSCALLS} plus whatever its spec's `allowed_syscalls`
 * adds, by name or by one of the {@link SYSCALL_GROUPS}. {@link FORBIDDEN_SYSCALLS} can never be added:
 * the launcher refuses them whatever the spec says, and the spec validator rejects a spec that asks.
 */
import { X86_64_SYSCALLS } from './table-x86_64.js';

/** What the Node runner (and most runtimes) needs to start and run tasks over stdio. */
export const BASE_SYSCALLS: readonly string[] = Object.freeze([
  // I/O on descriptors the worker already holds or opens inside its sandbox.
  'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
  'lseek', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl', 'ioctl', 'pipe', 'pipe2',
  'sendfile', 'copy_file_range', 'splice', 'tee',
  // stdio may be a Unix socketpair (libuv makes one for 'pipe' stdio): inspecting and closing it only.
  // Creating sockets stays refused (socket/socketpair are forbidden for workers).
  'getsockname', 'getpeername', 'getsockopt', 'shutdown',
  // Files (Landlock decides which paths).
  'open', 'openat', 'openat2', 'creat', 'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'statfs', 'fstatfs',
  'access', 'faccessat', 'faccessat2', 'getdents64', 'readlink', 'readlinkat', 'getcwd', 'chdir', 'fchdir',
  'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
  'truncate', 'ftruncate', 'fallocate', 'fsync', 'fdatasync', 'fchmod', 'umask',
  // Event loop.
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2',
  'poll', 'ppoll', 'select', 'pselect6', 'eventfd', 'eventfd2', 'timerfd_create', 'timerfd_settime',
  'timerfd_gettime', 'signalfd', 'signalfd4',
  // Memory.
  'brk', 'mmap', 'munmap', 'mprotect', 'mremap', 'madvise', 'msync', 'mincore', 'membarrier',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  // Threads (clone is allowed for CLONE_THREAD only; see PROCESS_CREATION_SYSCALLS).
  'clone', 'futex', 'futex_waitv', 'set_robust_list', 'get_robust_list', 'set_tid_address', 'rseq',
  'sched_yield', 'sched_getaffinity', 'sched_getparam', 'sched_getscheduler', 'sched_get_priority_max',
  'sched_get_priority_min', 'getpriority', 'exit', 'exit_group',
  // Signals delivered to the worker itself.
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigpending',
  'sigaltstack', 'pause',
  // Identity, time, limits (limits can only be lowered: the launcher drops CAP_SYS_RESOURCE).
  'getpid', 'gettid', 'getppid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'getresuid',
  'getresgid', 'getpgrp', 'getpgid', 'getsid', 'uname', 'sysinfo', 'getrandom', 'getrusage', 'times',
  'clock_gettime', 'clock_getres', 'clock_nanosleep', 'nanosleep', 'gettimeofday', 'time',
  'getrlimit', 'prlimit64', 'capget', 'arch_prctl', 'prctl',
  // The launcher's own exec of the worker program (Landlock limits what may be executed).
  'execve',
]);

/**
 * Named groups a spec may list in `allowed_syscalls` (`"@timer"`). None of them creates processes,
 * opens sockets or touches other processes.
 */
export const SYSCALL_GROUPS: Readonly<Record<string, { readonly description: string; readonly syscalls: readonly string[] }>> =
  Object.freeze({
    '@aio': {
      description: 'Linux native asynchronous I/O (io_setup and friends; never io_uring).',
      syscalls: ['io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents'],
    },
    '@file-links': {
      description: 'Creating hard and symbolic links.',
      syscalls: ['link', 'linkat', 'symlink', 'symlinkat'],
    },
    '@file-metadata': {
      description:
        "Changing file modes, owners and timestamps. Never for workers; lets the agent's commands change any " +
        'file they can read (a weakening: Landlock does not confine metadata).',
      syscalls: ['chmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat', 'utime', 'utimes',
        'utimensat', 'futimesat'],
    },
    '@file-watch': {
      description:
        "Watching files for changes (inotify). Never for workers; lets the agent's commands watch any directory " +
        'they can reach, outside the sandbox too (a leak of file names: Landlock does not confine inotify).',
      syscalls: ['inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'],
    },
    '@ipc': {
      description: 'System V and POSIX message queues, semaphores and shared memory.',
      syscalls: ['shmget', 'shmat', 'shmdt', 'shmctl', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop',
        'semtimedop', 'semctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify',
        'mq_getsetattr', 'memfd_create'],
    },
    '@memlock': {
      description: 'Locking memory in RAM.',
      syscalls: ['mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall'],
    },
    '@scheduler': {
      description: 'Changing CPU affinity, scheduling policy and niceness.',
      syscalls: ['sched_setaffinity', 'sched_setscheduler', 'sched_setparam', 'sched_setattr', 'sched_getattr',
        'sched_rr_get_interval', 'setpriority'],
    },
    '@signal': {
      description: 'Sending signals (confined to the sandbox where Landlock has signal scoping, ABI 6).',
      syscalls: ['kill', 'tgkill', 'tkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo'],
    },
    '@sync': {
      description: 'Flushing file systems and file ranges to disk.',
      syscalls: ['sync', 'syncfs', 'sync_file_range'],
    },
    '@timer': {
      description: 'POSIX interval timers and alarms.',
      syscalls: ['timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete',
        'setitimer', 'getitimer', 'alarm'],
    },
    '@xattr': {
      description:
        "Reading and writing extended attributes. Workers get the readers only; the writers reach the agent's " +
        'commands, on any file they can read (a weakening: Landlock does not confine xattrs).',
      syscalls: ['getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'setxattr',
        'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr'],
    },
  });

const METADATA_REASON =
  'Landlock does not confine file modes, owners and times, so a sandbox could change them on any file it can ' +
  'read (fchmod stays allowed: the launcher performs it only for files inside the slot)';
const XATTR_REASON = 'Landlock does not confine extended attributes, so a sandbox could set them on any file it can read';
const WATCH_REASON =
  'Landlock does not confine inotify, so a watch on a directory outside the sandbox shows the names of files created there';

/**
 * Never given to a worker, whatever its spec says, each with the reason a user is shown. Listed in a
 * spec's `allowed_syscalls` (by name or through `@file-metadata`, `@xattr` or `@file-watch`) they reach
 * that agent's commands only, and that is a weakening documented in docs/agent-spec.md: commands do not
 * get them by default.
 */
export const COMMAND_ONLY_SYSCALLS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(
    ['chmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat', 'utime', 'utimes', 'utimensat', 'futimesat'].map(
      (name) => [name, METADATA_REASON],
    ),
  ),
  ...Object.fromEntries(
    ['setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr'].map((name) => [name, XATTR_REASON]),
  ),
  ...Object.fromEntries(['inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'].map((name) => [name, WATCH_REASON])),
});

/** Why workers never get `name` (and commands only on request), or undefined. */
export function commandOnlyReason(name: string): string | undefined {
  return Object.hasOwn(COMMAND_ONLY_SYSCALLS, name) ? COMMAND_ONLY_SYSCALLS[name] : undefined;
}

/** Creating a process. `clone` is in the base set for threads only; the launcher refuses the rest. */
export const PROCESS_CREATION_SYSCALLS: readonly string[] = Object.freeze(['fork', 'vfork', 'clone3']);

/**
 * Refused with EPERM under every launcher policy (worker and command), whatever `--allow` says, each
 * with the reason a user is shown. The one list: the spec validator and the policy compiler read it
 * through {@link FORBIDDEN_SYSCALLS}, and the launcher compiles it in from
 * `native/launcher/refused-syscalls.h`, which `npm run gen` writes from it.
 */
export const ALWAYS_REFUSED_SYSCALLS: Readonly<Record<string, string>> = Object.freeze({
  ptrace: 'tracing other processes escapes the sandbox',
  process_vm_readv: 'reading other processes\' memory escapes the sandbox',
  process_vm_writev: 'writing other processes\' memory escapes the sandbox',
  pidfd_getfd: 'taking file descriptors from other processes escapes the sandbox',
  bpf: 'loading kernel programs is never allowed',
  perf_event_open: 'kernel performance events leak information about other processes',
  mount: 'changing mounts is never allowed',
  umount2: 'changing mounts is never allowed',
  open_tree: 'changing mounts is never allowed',
  move_mount: 'changing mounts is never allowed',
  fsopen: 'changing mounts is never allowed',
  fsconfig: 'changing mounts is never allowed',
  fsmount: 'changing mounts is never allowed',
  fspick: 'changing mounts is never allowed',
  mount_setattr: 'changing mounts is never allowed',
  pivot_root: 'changing the root directory is never allowed',
  chroot: 'changing the root directory is never allowed',
  unshare: 'new namespaces are never allowed',
  setns: 'joining namespaces is never allowed',
  keyctl: 'the kernel keyring can hold secrets',
  add_key: 'the kernel keyring can hold secrets',
  request_key: 'the kernel keyring can hold secrets',
  io_uring_setup: 'io_uring bypasses the syscall filter',
  io_uring_enter: 'io_uring bypasses the syscall filter',
  io_uring_register: 'io_uring bypasses the syscall filter',
  userfaultfd: 'userfaultfd lets a process stall the kernel at will, a classic exploit aid',
  open_by_handle_at: 'opening files by handle bypasses path-based confinement (Landlock)',
  name_to_handle_at: 'file handles are only useful with open_by_handle_at, which is refused',
  kexec_load: 'loading a new kernel is never allowed',
  kexec_file_load: 'loading a new kernel is never allowed',
  init_module: 'loading kernel modules is never allowed',
  finit_module: 'loading kernel modules is never allowed',
  delete_module: 'unloading kernel modules is never allowed',
  reboot: 'rebooting the machine is never allowed',
  swapon: 'changing swap is never allowed',
  swapoff: 'changing swap is never allowed',
  acct: 'process accounting is never allowed',
  quotactl: 'changing disk quotas is never allowed',
  lookup_dcookie: 'profiling lookups leak paths outside the sandbox',
});

/**
 * Refused to workers, whatever a spec says: process creation and sockets. (The command policy lets a
 * command start processes and use `AF_UNIX` sockets; `clone3` gets ENOSYS under both, so libc falls back
 * to `clone`, which the launcher checks.)
 */
export const WORKER_REFUSED_SYSCALLS: Readonly<Record<string, string>> = Object.freeze({
  fork: 'workers may never create processes; ask the supervisor to run a command (exec) instead',
  vfork: 'workers may never create processes; ask the supervisor to run a command (exec) instead',
  clone3: 'workers may never create processes (threads still start: clone with CLONE_THREAD is in the base set)',
  socket: 'workers have no network and no sockets; stdio is their only channel',
  socketpair: 'workers have no network and no sockets; stdio is their only channel',
});

/**
 * Everything a spec's `allowed_syscalls` can never add, with the reason a user is shown: the launcher
 * refuses these whatever the spec says, so the validator and the policy compiler refuse to ask.
 */
export const FORBIDDEN_SYSCALLS: Readonly<Record<string, string>> = Object.freeze({ ...WORKER_REFUSED_SYSCALLS, ...ALWAYS_REFUSED_SYSCALLS });

/** Whether `name` is a syscall this platform knows. */
export function isKnownSyscall(name: string): boolean {
  return Object.hasOwn(X86_64_SYSCALLS, name);
}

/** Why a syscall can never be allowed, or undefined if it may be. */
export function forbiddenReason(name: string): string | undefined {
  return Object.hasOwn(FORBIDDEN_SYSCALLS, name) ? FORBIDDEN_SYSCALLS[name] : undefined;
}

/** Expands names and `@groups` into syscall names (no validation: see the spec validator). */
export function expandSyscalls(entries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of entries) {
    const group = Object.hasOwn(SYSCALL_GROUPS, entry) ? SYSCALL_GROUPS[entry] : undefined;
    for (const name of group ? group.syscalls : [entry]) out.add(name);
  }
  return [...out];
}
