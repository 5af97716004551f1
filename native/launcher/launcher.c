/*
 * codex-fleet-launcher: runs one program under the codex fleet sandbox.
 *
 * The policy arrives on the command line (see README.md beside this file). The launcher applies, in
 * this order: parent-death signal, own process group, rlimits, closing inherited descriptors, a
 * Landlock ruleset (prepared while paths can still be opened), dropping every capability, no_new_privs,
 * Landlock enforcement, a seccomp filter; then it execs the program (worker policy) or forks it and
 * stays resident as its subreaper (command policy). Every step that fails ends the launcher with its own
 * exit code and one line on stderr; nothing is ever executed unsandboxed.
 *
 * Only libc and the kernel's uapi headers are used. Landlock constants newer than the distribution's
 * headers are declared in landlock_compat.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>

#include "identity.h"
#include "landlock_compat.h"
#include "notify.h"
#include "refused-syscalls.h"
#include "pidns.h"
#include "prctl_filter.h"
#include "resource_limits.h"

#define LAUNCHER_VERSION 1

/* Exit codes. Mirrored in src/sandbox/launcher.ts (LAUNCHER_EXIT_CODES); keep both in step. */
enum {
  EXIT_USAGE = 111,        /* bad command line or policy */
  EXIT_LANDLOCK_MISSING = 112, /* Landlock absent or its ABI lower than the policy requires */
  EXIT_PARENT_GONE = 113,  /* the parent died before the sandbox was in place */
  EXIT_CAPS = 114,         /* dropping capabilities, or switching to the sandbox user, failed */
  EXIT_PRCTL = 115,        /* no_new_privs, parent-death signal, subreaper or securebits failed */
  EXIT_RLIMIT = 116,       /* setting a resource limit, or joining the pids cgroup, failed */
  EXIT_PROCESS = 117,      /* process group or closing inherited descriptors failed */
  EXIT_LANDLOCK = 118,     /* building or enforcing the Landlock ruleset failed (incl. a policy path) */
  EXIT_SECCOMP = 119,      /* building or installing the seccomp filter failed */
  EXIT_RESIDENT = 120,     /* command policy: fork or the supervision loop failed */
  EXIT_TIMEOUT = 124,      /* command policy: --timeout-s elapsed; the whole tree was killed */
  EXIT_STOPPED = 125,      /* command policy: parent died or SIGUSR1 asked to stop; tree killed */
  EXIT_EXEC_FAILED = 126,  /* execve failed (permission, format, ...) */
  EXIT_NOT_FOUND = 127,    /* execve failed: no such file */
};

#define MAX_PATHS 256
#define DEFAULT_SANDBOX_ID 65534 /* "nobody"/"nogroup" on most distributions */
#define NR_LIMIT 512 /* x86_64 syscall numbers stay below this; the bitmap covers [0, NR_LIMIT) */
#define NR_WORDS (NR_LIMIT / 32)

enum policy_kind { POLICY_NONE, POLICY_WORKER, POLICY_COMMAND };

struct policy {
  enum policy_kind kind;
  const char *read[MAX_PATHS];
  int n_read;
  const char *exec[MAX_PATHS];
  int n_exec;
  const char *write[MAX_PATHS];
  int n_write;
  uint32_t allow[NR_WORDS];
  int have_allow;
  long long rlimit_data;   /* bytes; -1 = unchanged */
  long long rlimit_nofile; /* -1 = unchanged */
  long long rlimit_fsize;  /* bytes; -1 = unchanged */
  long long rlimit_nproc;  /* -1 = unchanged */
  const char *cgroup;      /* pids cgroup directory to join; NULL = none */
  long long uid, gid;      /* identity to run as when started as root; -1 = the default (65534) */
  long long timeout_s;     /* command policy; 0 = none */
  int abi_override;        /* -1 = none */
  pid_t parent_pid;        /* expected parent; 0 = whoever started us */
  int require_abi;
  int confine_signals; /* signals must stay inside the sandbox: Landlock ABI 6, else a PID namespace */
  int verbose;
  const char *explain_file; /* explain mode: refusals are reported here instead of silently EPERM */
  int fchmod_fd;            /* worker policy: hand the listener to the shared fchmod handler here; -1 = fork one */
  pid_t fchmod_pid;         /* the shared handler's pid (named with PR_SET_PTRACER); 0 = unknown */
  int fchmod_daemon;        /* run as the shared fchmod handler instead of a sandbox */
  char **argv;
};

static void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* One line "codex-fleet-launcher: <message>" on stderr, in a single write. */
static void say(const char *fmt, va_list ap) {
  char buf[1024];
  int off = snprintf(buf, sizeof buf, "codex-fleet-launcher: ");
  off += vsnprintf(buf + off, sizeof buf - (size_t)off - 2, fmt, ap);
  if (off > (int)sizeof buf - 2) off = (int)sizeof buf - 2;
  buf[off++] = '\n';
  ssize_t ignored = write(2, buf, (size_t)off);
  (void)ignored;
}

static void die(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say(fmt, ap);
  va_end(ap);
  _exit(code);
}

static void note(const struct policy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(const struct policy *p, const char *fmt, ...) {
  if (!p->verbose) return;
  va_list ap;
  va_start(ap, fmt);
  say(fmt, ap);
  va_end(ap);
}

static long long parse_num(const char *flag, const char *s, long long min, long long max) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < min || v > max)
    die(EXIT_USAGE, "%s expects a number in [%lld, %lld], got \"%s\"", flag, min, max, s);
  return v;
}

static void add_path(const char **list, int *n, const char *flag, const char *path) {
  if (*n >= MAX_PATHS) die(EXIT_USAGE, "too many %s paths (at most %d)", flag, MAX_PATHS);
  if (path[0] != '/') die(EXIT_USAGE, "%s needs an absolute path, got \"%s\"", flag, path);
  list[(*n)++] = path;
}

static void add_allow(struct policy *p, const char *list) {
  const char *s = list;
  p->have_allow = 1;
  while (*s) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v < 0 || v >= NR_LIMIT || (*end != ',' && *end != '\0'))
      die(EXIT_USAGE, "--allow expects comma-separated syscall numbers below %d, got \"%s\"", NR_LIMIT, list);
    p->allow[v / 32] |= 1U << (v % 32);
    s = *end == ',' ? end + 1 : end;
  }
}

static void allow_nr(struct policy *p, int nr) { p->allow[nr / 32] |= 1U << (nr % 32); }

static const char *need_value(int argc, char **argv, int i) {
  if (i + 1 >= argc) die(EXIT_USAGE, "%s needs a value", argv[i]);
  return argv[i + 1];
}

/* ---------------------------------------------------------------------------------------------- */
/* Detection                                                                                       */

struct landlock_probe {
  int abi;        /* what the policy will use: the kernel's, capped by the override */
  int kernel_abi; /* what the kernel said, 0 if none */
  int err;        /* errno from the probe when the kernel has none */
  int overridden;
};

static struct landlock_probe probe_landlock(int override) {
  struct landlock_probe r = {0, 0, 0, 0};
  long v = syscall(__NR_landlock_create_ruleset, NULL, 0, CF_LANDLOCK_CREATE_RULESET_VERSION);
  if (v < 0) {
    r.err = errno;
  } else {
    r.kernel_abi = (int)v;
  }
  r.abi = r.kernel_abi;
  if (override >= 0 && override < r.abi) {
    r.abi = override;
    r.overridden = 1;
    if (override == 0) r.err = EOPNOTSUPP;
  }
  return r;
}

static int seccomp_available(void) {
  uint32_t action = SECCOMP_RET_ERRNO;
  return syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static int nnp_available(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) >= 0; }

static int run_check(int override) {
  struct landlock_probe ll = probe_landlock(override);
  struct utsname u;
  if (uname(&u) != 0) strcpy(u.release, "unknown");
  const char *status = ll.abi > 0 ? "ok" : ll.overridden ? "overridden" : ll.err == ENOSYS ? "not-built" : "disabled";
  printf("{\"launcher_version\":%d,\"arch\":\"x86_64\",\"kernel\":\"%s\",\"landlock_abi\":%d,"
         "\"landlock_kernel_abi\":%d,\"landlock_status\":\"%s\",\"landlock_fs\":%s,\"landlock_net\":%s,"
         "\"landlock_scope\":%s,\"seccomp\":%s,\"no_new_privs\":%s,\"euid\":%d,\"pid_namespace\":\"%s\"}\n",
         LAUNCHER_VERSION, u.release, ll.abi, ll.kernel_abi, status, ll.abi >= 1 ? "true" : "false",
         ll.abi >= 4 ? "true" : "false", ll.abi >= 6 ? "true" : "false", seccomp_available() ? "true" : "false",
         nnp_available() ? "true" : "false", (int)geteuid(), pidns_mode_name(pidns_probe()));
  return fflush(stdout) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* Landlock                                                                                        */

static uint64_t fs_rights_for_abi(int abi) {
  if (abi >= 5) return CF_FS_ABI5;
  if (abi >= 3) return CF_FS_ABI3;
  if (abi >= 2) return CF_FS_ABI2;
  return CF_FS_ABI1;
}

static void add_path_rule(int ruleset, const char *path, uint64_t access, uint64_t handled) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) die(EXIT_LANDLOCK, "cannot open policy path \"%s\": %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) die(EXIT_LANDLOCK, "cannot stat policy path \"%s\": %s", path, strerror(errno));
  access &= handled;
  if (!S_ISDIR(st.st_mode)) access &= CF_FS_FILE_RIGHTS;
  struct cf_landlock_path_beneath_attr attr = {.allowed_access = access, .parent_fd = fd};
  if (syscall(__NR_landlock_add_rule, ruleset, CF_LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0)
    die(EXIT_LANDLOCK, "cannot add Landlock rule for \"%s\": %s", path, strerror(errno));
  close(fd);
}

/* Builds the ruleset (not yet enforced) and returns its descriptor. */
static int build_ruleset(const struct policy *p, int abi) {
  uint64_t handled = fs_rights_for_abi(abi);
  struct cf_landlock_ruleset_attr attr = {.handled_access_fs = handled, .handled_access_net = 0, .scoped = 0};
  size_t size = offsetof(struct cf_landlock_ruleset_attr, handled_access_net);
  if (abi >= 4) {
    /* No port rules are added, so every TCP bind and connect is denied. */
    attr.handled_access_net = CF_NET_BIND_TCP | CF_NET_CONNECT_TCP;
    size = offsetof(struct cf_landlock_ruleset_attr, scoped);
  } else {
    note(p, "Landlock ABI %d has no TCP rules (needs 4); relying on seccomp for the network", abi);
  }
  if (abi >= 6) {
    attr.scoped = CF_SCOPE_ABSTRACT_UNIX_SOCKET | CF_SCOPE_SIGNAL;
    size = sizeof attr;
  } else {
    note(p, "Landlock ABI %d has no signal or abstract-socket scoping (needs 6)", abi);
  }
  int fd = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
  if (fd < 0) die(EXIT_LANDLOCK, "cannot create Landlock ruleset (ABI %d): %s", abi, strerror(errno));

  const uint64_t read = CF_FS_READ_FILE | CF_FS_READ_DIR;
  const uint64_t exec = read | CF_FS_EXECUTE;
  /* Everything except execute (and device ioctls beyond what the slot needs: none are devices). */
  const uint64_t write = handled & ~CF_FS_EXECUTE & ~CF_FS_MAKE_CHAR & ~CF_FS_MAKE_BLOCK;
  for (int i = 0; i < p->n_read; i++) add_path_rule(fd, p->read[i], read, handled);
  for (int i = 0; i < p->n_exec; i++) add_path_rule(fd, p->exec[i], exec, handled);
  for (int i = 0; i < p->n_write; i++) add_path_rule(fd, p->write[i], write, handled);
  return fd;
}

/* ---------------------------------------------------------------------------------------------- */
/* Capabilities                                                                                    */

static int have_cap_effective(int cap) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &hdr, data) != 0) return 0;
  return (data[cap / 32].effective >> (cap % 32)) & 1;
}

static void drop_capabilities(void) {
  int privileged = have_cap_effective(CAP_SETPCAP);
  if (privileged) {
    /* Root gains nothing at exec, cannot get capabilities back, and cannot undo any of this. */
    unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                         SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                         SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0)
      die(EXIT_CAPS, "cannot lock securebits: %s", strerror(errno));
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    die(EXIT_CAPS, "cannot clear ambient capabilities: %s", strerror(errno));
  for (int cap = 0; cap < 64; cap++) {
    int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) break; /* past the kernel's last capability */
    if (r == 0) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      /* Without CAP_SETPCAP the bounding set cannot shrink; a non-root user gains nothing from it
       * anyway because no_new_privs stops file capabilities and setuid at exec. */
      if (errno == EPERM && !privileged && geteuid() != 0) break;
      die(EXIT_CAPS, "cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
    }
  }
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capset, &hdr, data) != 0) die(EXIT_CAPS, "cannot clear capabilities: %s", strerror(errno));
  memset(data, 0xff, sizeof data);
  if (syscall(SYS_capget, &hdr, data) != 0) die(EXIT_CAPS, "cannot read capabilities back: %s", strerror(errno));
  for (int i = 0; i < 2; i++)
    if (data[i].effective || data[i].permitted || data[i].inheritable)
      die(EXIT_CAPS, "capabilities still present after dropping them");
}

/* ---------------------------------------------------------------------------------------------- */
/* seccomp                                                                                         */

#define MAX_INSNS 1024
struct prog {
  struct sock_filter ins[MAX_INSNS];
  unsigned n;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
  if (p->n >= MAX_INSNS) die(EXIT_SECCOMP, "seccomp program too long");
  p->ins[p->n++] = (struct sock_filter){code, jt, jf, k};
}

#define RET(v) emit(p, BPF_RET | BPF_K, 0, 0, (v))
#define LD(off) emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (off))
#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define ARG_LO(i) ((uint32_t)offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define NR_OFF ((uint32_t)offsetof(struct seccomp_data, nr))

/* if (nr == sys) return action; */
static void on_nr_return(struct prog *p, uint32_t sys, uint32_t action) {
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, sys);
  RET(action);
}

/* if (nr == sys && (args[arg] low word == a || == b)) return action; leaves A = nr either way. */
static void on_arg_return(struct prog *p, uint32_t sys, unsigned arg, uint32_t a, uint32_t b, uint32_t action) {
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, sys);
  LD(ARG_LO(arg));
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, a);
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, b);
  emit(p, BPF_JMP | BPF_JA, 0, 0, 1);
  RET(action);
  LD(NR_OFF);
}

/* Always refused, whatever --allow says: the list is src/spec/syscalls/catalog.ts's, written by "npm run gen". */
static const uint32_t always_refused[] = {ALWAYS_REFUSED_SYSCALLS};

#define NS_CLONE_FLAGS \
  (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define TIOCSTI_NR 0x5412
#define TIOCLINUX_NR 0x541C

/* What a filter routes to the notification handler (notify.c), and whether it is the resident's. */
struct filter_opts {
  int notify_fchmod; /* fchmod -> the handler, which checks and performs it */
  int explain;       /* every EPERM refusal -> the handler, which records it and answers EPERM */
  int resident;      /* the resident launcher's own filter: its handler thread needs pidfd_getfd */
  int handoff_fd;    /* >= 0: sendmsg on this descriptor passes (handing the listener to the handler) */
};

/*
 * Compiles the filter. `resident_extra` is set for the command policy's launcher-side filter: the
 * launcher itself also needs to wait, signal and read; the command gets a second, stricter filter
 * stacked on top after fork (seccomp keeps the most restrictive verdict of all filters).
 */
static void build_filter(struct prog *p, enum policy_kind kind, const uint32_t allow[NR_WORDS], const struct filter_opts *o) {
  const uint32_t deny = o->explain ? SECCOMP_RET_USER_NOTIF : ERRNO(EPERM);
  p->n = 0;
  /* Architecture: anything but x86_64 (e.g. int 0x80 i386 entry) kills the process. */
  LD((uint32_t)offsetof(struct seccomp_data, arch));
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
  RET(SECCOMP_RET_KILL_PROCESS);
  LD(NR_OFF);
  /* x32 ABI numbers (bit 30 set) and anything past the table: refused. */
  emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000U);
  RET(deny);
  if (o->handoff_fd >= 0) {
    /* sendmsg on the handler's socket only: the launcher sends it the listener, then closes the socket.
     * (Afterwards that number may name another descriptor; stdio is the only socket a worker can hold.) */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, SYS_sendmsg);
    LD(ARG_LO(0));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)o->handoff_fd);
    RET(SECCOMP_RET_ALLOW);
    LD(NR_OFF);
  }

  if (o->notify_fchmod) on_nr_return(p, SYS_fchmod, SECCOMP_RET_USER_NOTIF);
  /* prctl: only the options runtimes need; never clearing the parent-death signal. */
  unsigned prctl_n = prctl_rule(p->ins + p->n, MAX_INSNS - p->n);
  if (prctl_n == 0) die(EXIT_SECCOMP, "seccomp program too long");
  p->n += prctl_n;
  /* clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone. */
  on_nr_return(p, SYS_clone3, ERRNO(ENOSYS));

  if (kind == POLICY_WORKER) {
    on_nr_return(p, SYS_fork, deny);
    on_nr_return(p, SYS_vfork, deny);
    on_nr_return(p, SYS_socket, deny);
    on_nr_return(p, SYS_socketpair, deny);
    /* clone: threads only (CLONE_THREAD set), and never new namespaces. */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, SYS_clone);
    LD(ARG_LO(0));
    emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 2, CLONE_THREAD);
    emit(p, BPF_JMP | BPF_JSET | BPF_K, 1, 0, NS_CLONE_FLAGS);
    RET(SECCOMP_RET_ALLOW);
    RET(deny);
  } else {
    on_nr_return(p, SYS_fork, SECCOMP_RET_ALLOW);
    on_nr_return(p, SYS_vfork, SECCOMP_RET_ALLOW);
    /* clone: processes and threads, never new namespaces. */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, SYS_clone);
    LD(ARG_LO(0));
    emit(p, BPF_JMP | BPF_JSET | BPF_K, 1, 0, NS_CLONE_FLAGS);
    RET(SECCOMP_RET_ALLOW);
    RET(deny);
    /* socket: refused for every family. Landlock below ABI 8 cannot confine connect() to a pathname
     * Unix socket (the Docker socket, the user's session bus), so a command gets no socket() at all:
     * AF_UNIX gets EPERM, every other family EAFNOSUPPORT (what runtimes expect of a missing network). */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, SYS_socket);
    LD(ARG_LO(0));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, AF_UNIX);
    RET(deny);
    RET(ERRNO(EAFNOSUPPORT));
    /* socketpair: AF_UNIX stream and seqpacket pairs only (child stdio, IPC). A datagram socket may name
     * any pathname socket in sendto(), so SOCK_DGRAM is refused too. */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 9, SYS_socketpair);
    LD(ARG_LO(0));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AF_UNIX);
    RET(ERRNO(EAFNOSUPPORT));
    LD(ARG_LO(1));
    emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xf); /* the type without SOCK_NONBLOCK / SOCK_CLOEXEC */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, SOCK_STREAM);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SOCK_SEQPACKET);
    RET(deny);
    RET(SECCOMP_RET_ALLOW);
    /* utimensat with times == NULL sets "now" (touch); explicit times only when --allow has it. */
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 6, SYS_utimensat);
    LD(ARG_LO(2));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0);
    LD(ARG_HI(2));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
    RET(SECCOMP_RET_ALLOW);
    LD(NR_OFF);
  }

  if (kind == POLICY_WORKER) {
    /* fcntl: no F_SETOWN / F_SETOWN_EX. With them a worker picks which process gets the SIGIO of a
     * descriptor of its own (any signal, with F_SETSIG), and the kernel checks only the uid: below
     * Landlock ABI 6 that would let it stop any process of the sandbox user. Node never sets an owner. */
    on_arg_return(p, SYS_fcntl, 1, F_SETOWN, F_SETOWN_EX, deny);
  }
  /* ioctl: never push input into a terminal (TIOCSTI) or drive the console (TIOCLINUX). */
  on_arg_return(p, SYS_ioctl, 1, TIOCSTI_NR, TIOCLINUX_NR, deny);
  /* prlimit64: own process only (pid 0); another process' limits are not the sandbox's business. */
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, SYS_prlimit64);
  LD(ARG_LO(0));
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0);
  LD(ARG_HI(0));
  emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0);
  RET(deny);
  LD(NR_OFF);

  /* The always-refused syscalls leave the allow-list, whatever --allow says; they meet no rule above
   * that could allow them, so the bitmap's verdict is theirs. (Taken out of the bitmap rather than
   * tested one by one up front: every syscall the program makes runs this filter, and forty compares
   * before each would cost more than the whole bitmap lookup.) */
  uint32_t allowed[NR_WORDS];
  memcpy(allowed, allow, sizeof allowed);
  for (size_t i = 0; i < sizeof always_refused / sizeof always_refused[0]; i++)
    if (!(o->resident && always_refused[i] == SYS_pidfd_getfd)) allowed[always_refused[i] / 32] &= ~(1U << (always_refused[i] % 32));

  /* The allow-list as a bitmap: one block per 32 syscall numbers, A = 1 << (nr - base), test mask. */
  for (uint32_t b = 0; b < NR_WORDS; b++) {
    if (allowed[b] == 0) {
      emit(p, BPF_JMP | BPF_JGE | BPF_K, 1, 0, (b + 1) * 32);
      RET(deny);
      continue;
    }
    emit(p, BPF_JMP | BPF_JGE | BPF_K, 7, 0, (b + 1) * 32);
    emit(p, BPF_ALU | BPF_SUB | BPF_K, 0, 0, b * 32);
    emit(p, BPF_MISC | BPF_TAX, 0, 0, 0);
    emit(p, BPF_LD | BPF_IMM, 0, 0, 1);
    emit(p, BPF_ALU | BPF_LSH | BPF_X, 0, 0, 0);
    emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, allowed[b]);
    RET(SECCOMP_RET_ALLOW);
    RET(deny);
  }
  RET(deny);
}

/* Installs the filter; returns its notification listener when it routes anything to a handler, else -1. */
static int install_filter(enum policy_kind kind, const uint32_t allow[NR_WORDS], const struct filter_opts *o) {
  static struct prog p;
  build_filter(&p, kind, allow, o);
  struct sock_fprog fprog = {.len = (unsigned short)p.n, .filter = p.ins};
  unsigned flags = o->notify_fchmod || o->explain ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  long r = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (r < 0) die(EXIT_SECCOMP, "cannot install seccomp filter: %s", strerror(errno));
  return flags ? (int)r : -1;
}

/*
 * After the hand-over the worker's filter would still let sendmsg through on the descriptor number the
 * hand-over used, and the worker could put any socket of its own there (dup2 of its stdio): it could
 * then queue descriptors in flight (SCM_RIGHTS) until the kernel refuses every later hand-over of its
 * user (ETOOMANYREFS). A second filter, stacked on the first (the strictest verdict wins), refuses
 * sendmsg outright; a worker has no other use for it. prctl(PR_SET_SECCOMP) is what the first filter
 * allows for adding one.
 */
static void refuse_sendmsg(void) {
  struct sock_filter ins[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, ERRNO(EPERM)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = (unsigned short)(sizeof ins / sizeof ins[0]), .filter = ins};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
    die(EXIT_SECCOMP, "cannot stack the filter that closes the hand-over's sendmsg: %s", strerror(errno));
}

/* ---------------------------------------------------------------------------------------------- */
/* Steps shared by both policies                                                                   */

static void set_limit(int resource, const char *name, rlim_t value) {
  struct rlimit rl = {value, value};
  if (setrlimit(resource, &rl) != 0) die(EXIT_RLIMIT, "cannot set %s to %llu: %s", name, (unsigned long long)value, strerror(errno));
}

/* Closes every descriptor above stdio except `keep` (-1: none). */
static void close_inherited_fds(int keep) {
  if (keep < 0 ? syscall(SYS_close_range, 3U, ~0U, 0U) == 0
               : (keep == 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0) &&
                     syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
    return;
  if (errno != ENOSYS) die(EXIT_PROCESS, "cannot close inherited descriptors: %s", strerror(errno));
  struct rlimit rl;
  long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : 65536;
  for (long fd = 3; fd < max; fd++)
    if (fd != keep) close((int)fd);
}

static void exec_program(char **argv) {
  execvp(argv[0], argv);
  int e = errno;
  die(e == ENOENT ? EXIT_NOT_FOUND : EXIT_EXEC_FAILED, "cannot execute \"%s\": %s", argv[0], strerror(e));
}

/* ---------------------------------------------------------------------------------------------- */
/* Command policy: resident subreaper                                                               */

static int children_fd = -1; /* /proc/self/task/<pid>/children, opened before Landlock */
static pid_t command_pid = -1;
static int resident_listener = -1; /* the resident filter's notification listener (fchmod handler) */

static void kill_tree(void) {
  for (;;) {
    if (command_pid > 0) kill(-command_pid, SIGKILL);
    if (children_fd >= 0) {
      char buf[65536];
      ssize_t n = pread(children_fd, buf, sizeof buf - 1, 0);
      if (n > 0) {
        buf[n] = '\0';
        char *s = buf;
        while (*s) {
          char *end = NULL;
          long pid = strtol(s, &end, 10);
          if (end == s) break;
          if (pid > 0) kill((pid_t)pid, SIGKILL);
          s = end;
          while (*s == ' ' || *s == '\n') s++;
        }
      }
      int st;
      if (waitpid(-1, &st, __WALL) < 0 && errno == ECHILD) return;
    } else {
      /* No way to list reparented descendants: reap what is already gone and leave. */
      int st;
      while (waitpid(-1, &st, __WALL | WNOHANG) > 0) {
      }
      return;
    }
  }
}

static int status_to_exit(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return EXIT_RESIDENT;
}

static void run_resident(const struct policy *p, const uint32_t child_allow[NR_WORDS], pid_t parent) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &set, &old) != 0) die(EXIT_RESIDENT, "cannot block signals: %s", strerror(errno));

  pid_t launcher = getpid(); /* taken before fork: the child compares its parent with this, not with itself */
  pid_t pid = fork();
  if (pid < 0) die(EXIT_RESIDENT, "cannot fork the command: %s", strerror(errno));
  if (pid == 0) {
    if (setpgid(0, 0) != 0) die(EXIT_PROCESS, "cannot give the command its own process group: %s", strerror(errno));
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set the command's parent-death signal: %s", strerror(errno));
    if (!pidns_parent_alive(launcher)) _exit(EXIT_STOPPED);
    if (pidns_become_init() != 0) die(EXIT_RESIDENT, "cannot fork the command inside its PID namespace: %s", strerror(errno));
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) die(EXIT_RESIDENT, "cannot unblock signals: %s", strerror(errno));
    if (resident_listener >= 0) close(resident_listener);
    const struct filter_opts none_routed = {0, 0, 0, -1};
    install_filter(POLICY_COMMAND, child_allow, &none_routed);
    exec_program(p->argv);
  }
  command_pid = pid;
  setpgid(pid, pid); /* also in the parent, so signals forwarded right away reach the group */

  struct timespec deadline = {0, 0};
  if (p->timeout_s > 0) {
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += p->timeout_s;
  }
  int command_status = -1;
  for (;;) {
    struct timespec wait = {3600, 0};
    if (p->timeout_s > 0) {
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long long ns = (long long)(deadline.tv_sec - now.tv_sec) * 1000000000LL + (deadline.tv_nsec - now.tv_nsec);
      if (ns <= 0) {
        kill_tree();
        die(EXIT_TIMEOUT, "command timed out after %llds; killed its process tree", p->timeout_s);
      }
      wait.tv_sec = ns / 1000000000LL;
      wait.tv_nsec = ns % 1000000000LL;
    }
    siginfo_t info;
    int sig = sigtimedwait(&set, &info, &wait);
    if (sig < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      kill_tree();
      die(EXIT_RESIDENT, "waiting for signals failed: %s", strerror(errno));
    }
    if (getppid() != parent || sig == SIGUSR1) {
      kill_tree();
      die(EXIT_STOPPED, "%s; killed the command's process tree",
          sig == SIGUSR1 && info.si_code != SI_USER ? "parent died" : getppid() != parent ? "parent died" : "asked to stop (SIGUSR1)");
    }
    if (sig == SIGCHLD) {
      int st;
      pid_t done;
      while ((done = waitpid(-1, &st, __WALL | WNOHANG)) > 0)
        if (done == command_pid) command_status = st;
      if (command_status >= 0) {
        /* The command is done: whatever it left running dies with it. */
        kill_tree();
        _exit(status_to_exit(command_status));
      }
      continue;
    }
    kill(-command_pid, sig); /* SIGTERM, SIGINT, SIGHUP: forwarded to the command's group */
  }
}

/* Below Landlock ABI 6: the command tree gets a PID namespace of its own (see pidns.h), or nothing runs. */
static void confine_signals_without_scoping(const struct policy *p, int abi) {
  if (p->kind != POLICY_COMMAND)
    die(EXIT_LANDLOCK_MISSING, "Landlock ABI %d has no signal scoping (needs 6, Linux 6.12), which the worker policy "
        "needs to confine the signals it allows; remove @signal from allowed_syscalls or use a newer kernel", abi);
  const char *why = "";
  enum pidns_mode mode = pidns_enter(&why);
  if (mode == PIDNS_NONE)
    die(EXIT_LANDLOCK_MISSING, "nothing can keep the command's signals inside its sandbox: Landlock ABI %d has no "
        "signal scoping (needs 6, Linux 6.12) and %s (%s). Run the fleet as root, or allow unprivileged user "
        "namespaces (sysctl user.max_user_namespaces > 0; Debian: kernel.unprivileged_userns_clone=1; Ubuntu: "
        "kernel.apparmor_restrict_unprivileged_userns=0), or use a newer kernel", abi, why, strerror(errno));
  note(p, "Landlock ABI %d has no signal scoping: the command runs in its own PID namespace (%s)", abi, pidns_mode_name(mode));
}

/* ---------------------------------------------------------------------------------------------- */

static void usage(void) {
  static const char text[] =
      "usage: codex-fleet-launcher --policy worker|command [--read PATH]... [--exec PATH]... [--write PATH]...\n"
      "         --allow NR[,NR...] [--rlimit-data BYTES] [--rlimit-nofile N] [--rlimit-fsize BYTES]\n"
      "         [--rlimit-nproc N] [--cgroup DIR] [--uid UID --gid GID] [--timeout-s N] [--require-abi N]\n"
      "         [--confine-signals] [--explain-file FILE] [--parent-pid PID] [--landlock-abi-override N]\n"
      "         [--fchmod-handler-fd FD [--fchmod-handler-pid PID]] [--verbose] -- PROGRAM [ARGS...]\n"
      "       codex-fleet-launcher --fchmod-daemon [--uid UID --gid GID] [--parent-pid PID]   (hand-overs on fd 3)\n"
      "       codex-fleet-launcher --check [--landlock-abi-override N]\n"
      "See native/launcher/README.md.\n";
  ssize_t ignored = write(2, text, sizeof text - 1);
  (void)ignored;
}

/* ---------------------------------------------------------------------------------------------- */
/* The shared fchmod handler (--fchmod-daemon)                                                     */

/*
 * One process serves the fchmod notifications of every worker of a fleet, so starting a worker costs no
 * extra process. Hand-overs arrive on descriptor 3 (a stream socket the supervisor shares with each
 * worker's launcher). It runs as the sandbox user when started as root, without capabilities, with
 * no_new_privs and its own small seccomp filter (notify.c), and dies with its parent. It is in no
 * Landlock domain: a domain would forbid it pidfd_getfd on workers outside that domain.
 */
static int run_fchmod_daemon(struct policy *p) __attribute__((noreturn));

static int run_fchmod_daemon(struct policy *p) {
  const int intake = 3;
  struct stat st;
  if (fstat(intake, &st) != 0 || !S_ISSOCK(st.st_mode))
    die(EXIT_USAGE, "--fchmod-daemon reads hand-overs on descriptor 3, which must be a socket");
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set the parent-death signal: %s", strerror(errno));
  if ((p->parent_pid > 0 && parent != p->parent_pid) || getppid() != parent) die(EXIT_PARENT_GONE, "the parent process is gone; not starting");
  close_inherited_fds(intake);
  /* A few descriptors per worker: take the hard limit. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (geteuid() == 0) {
    if (p->uid < 0) p->uid = p->gid = DEFAULT_SANDBOX_ID;
    const char *failed = identity_switch((uid_t)p->uid, (gid_t)p->gid);
    if (failed) die(EXIT_CAPS, "cannot switch to uid %lld gid %lld: %s: %s", p->uid, p->gid, failed, strerror(errno));
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set the parent-death signal again: %s", strerror(errno));
    if (getppid() != parent) die(EXIT_PARENT_GONE, "the parent process is gone; not starting");
  }
  drop_capabilities();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set no_new_privs: %s", strerror(errno));
  notify_serve_shared(intake);
}

int main(int argc, char **argv) {
  static struct policy p;
  p.rlimit_data = -1;
  p.rlimit_nofile = -1;
  p.rlimit_fsize = -1;
  p.rlimit_nproc = -1;
  p.uid = -1;
  p.gid = -1;
  p.abi_override = -1;
  p.require_abi = 1;
  p.fchmod_fd = -1;
  int check = 0;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (strcmp(a, "--check") == 0) {
      check = 1;
    } else if (strcmp(a, "--confine-signals") == 0) {
      p.confine_signals = 1;
    } else if (strcmp(a, "--verbose") == 0) {
      p.verbose = 1;
    } else if (strcmp(a, "--help") == 0) {
      usage();
      return 0;
    } else if (strcmp(a, "--policy") == 0) {
      const char *v = need_value(argc, argv, i++);
      if (strcmp(v, "worker") == 0) p.kind = POLICY_WORKER;
      else if (strcmp(v, "command") == 0) p.kind = POLICY_COMMAND;
      else die(EXIT_USAGE, "--policy must be \"worker\" or \"command\", got \"%s\"", v);
    } else if (strcmp(a, "--read") == 0) {
      add_path(p.read, &p.n_read, a, need_value(argc, argv, i++));
    } else if (strcmp(a, "--exec") == 0) {
      add_path(p.exec, &p.n_exec, a, need_value(argc, argv, i++));
    } else if (strcmp(a, "--write") == 0) {
      add_path(p.write, &p.n_write, a, need_value(argc, argv, i++));
    } else if (strcmp(a, "--allow") == 0) {
      add_allow(&p, need_value(argc, argv, i++));
    } else if (strcmp(a, "--rlimit-data") == 0) {
      p.rlimit_data = parse_num(a, need_value(argc, argv, i++), 1 << 20, LLONG_MAX);
    } else if (strcmp(a, "--rlimit-nofile") == 0) {
      p.rlimit_nofile = parse_num(a, need_value(argc, argv, i++), 3, 1 << 20);
    } else if (strcmp(a, "--rlimit-fsize") == 0) {
      p.rlimit_fsize = parse_num(a, need_value(argc, argv, i++), 1 << 16, LLONG_MAX);
    } else if (strcmp(a, "--rlimit-nproc") == 0) {
      p.rlimit_nproc = parse_num(a, need_value(argc, argv, i++), 1, 1 << 22);
    } else if (strcmp(a, "--cgroup") == 0) {
      p.cgroup = need_value(argc, argv, i++);
    } else if (strcmp(a, "--uid") == 0) {
      p.uid = parse_num(a, need_value(argc, argv, i++), 1, 0xfffffffeLL);
    } else if (strcmp(a, "--gid") == 0) {
      p.gid = parse_num(a, need_value(argc, argv, i++), 1, 0xfffffffeLL);
    } else if (strcmp(a, "--timeout-s") == 0) {
      p.timeout_s = parse_num(a, need_value(argc, argv, i++), 1, 7 * 24 * 3600);
    } else if (strcmp(a, "--require-abi") == 0) {
      p.require_abi = (int)parse_num(a, need_value(argc, argv, i++), 1, 1000);
    } else if (strcmp(a, "--parent-pid") == 0) {
      p.parent_pid = (pid_t)parse_num(a, need_value(argc, argv, i++), 1, INT_MAX);
    } else if (strcmp(a, "--explain-file") == 0) {
      p.explain_file = need_value(argc, argv, i++);
    } else if (strcmp(a, "--fchmod-handler-fd") == 0) {
      p.fchmod_fd = (int)parse_num(a, need_value(argc, argv, i++), 3, 1 << 20);
    } else if (strcmp(a, "--fchmod-handler-pid") == 0) {
      p.fchmod_pid = (pid_t)parse_num(a, need_value(argc, argv, i++), 1, INT_MAX);
    } else if (strcmp(a, "--fchmod-daemon") == 0) {
      p.fchmod_daemon = 1;
    } else if (strcmp(a, "--landlock-abi-override") == 0) {
      p.abi_override = (int)parse_num(a, need_value(argc, argv, i++), 0, 1000);
    } else {
      usage();
      die(EXIT_USAGE, "unknown option \"%s\"", a);
    }
  }
  if (check) return run_check(p.abi_override);
  if (p.fchmod_daemon) {
    if ((p.uid < 0) != (p.gid < 0)) die(EXIT_USAGE, "--uid and --gid go together");
    if (geteuid() != 0 && p.uid >= 0 && (uid_t)p.uid != geteuid())
      die(EXIT_USAGE, "--uid %lld needs root (the launcher runs as uid %d)", p.uid, (int)geteuid());
    run_fchmod_daemon(&p);
  }
  if (p.kind == POLICY_NONE) die(EXIT_USAGE, "--policy worker|command is required");
  if (!p.have_allow) die(EXIT_USAGE, "--allow is required (the syscall allow-list)");
  if (i >= argc) die(EXIT_USAGE, "no program given after \"--\"");
  if (p.timeout_s && p.kind != POLICY_COMMAND) die(EXIT_USAGE, "--timeout-s applies to the command policy only");
  if (p.explain_file && p.kind != POLICY_WORKER) die(EXIT_USAGE, "--explain-file applies to the worker policy only");
  if (p.fchmod_fd >= 0 && p.kind != POLICY_WORKER) die(EXIT_USAGE, "--fchmod-handler-fd applies to the worker policy only");
  if (p.fchmod_fd >= 0 && p.explain_file) die(EXIT_USAGE, "--explain-file needs the launcher's own handler; drop --fchmod-handler-fd");
  if (p.fchmod_fd >= 0) {
    struct stat st;
    if (fstat(p.fchmod_fd, &st) != 0 || !S_ISSOCK(st.st_mode))
      die(EXIT_USAGE, "--fchmod-handler-fd %d is not an open socket; pass the shared handler's socket there", p.fchmod_fd);
  }
  p.argv = argv + i;
  if ((p.uid < 0) != (p.gid < 0)) die(EXIT_USAGE, "--uid and --gid go together");
  /* Sandboxed code never runs as root: without --uid, root's programs run as 65534:65534. */
  if (geteuid() == 0 && p.uid < 0) p.uid = p.gid = DEFAULT_SANDBOX_ID;
  if (geteuid() != 0 && p.uid >= 0 && (uid_t)p.uid != geteuid())
    die(EXIT_USAGE, "--uid %lld needs root (the launcher runs as uid %d)", p.uid, (int)geteuid());

  /* 1. Landlock must be there before anything else happens. */
  struct landlock_probe ll = probe_landlock(p.abi_override);
  if (ll.abi < 1) {
    die(EXIT_LANDLOCK_MISSING,
        "Landlock is unavailable (%s%s); the %s policy needs Landlock ABI >= %d. Use Linux >= 5.13 built with "
        "CONFIG_SECURITY_LANDLOCK=y and enable it at boot by adding landlock to the lsm= kernel parameter "
        "(e.g. lsm=landlock,lockdown,yama,integrity,apparmor,bpf), or run with --unsafe-no-sandbox at your own risk",
        ll.overridden ? "simulated by --landlock-abi-override 0" : ll.err == ENOSYS ? "kernel built without it" : "disabled at boot",
        ll.overridden ? "" : ll.err == ENOSYS ? ", ENOSYS" : ", EOPNOTSUPP", p.kind == POLICY_WORKER ? "worker" : "command",
        p.require_abi);
  }
  if (ll.abi < p.require_abi) {
    die(EXIT_LANDLOCK_MISSING,
        "Landlock ABI %d%s is lower than the %d this policy needs (%s); use a newer kernel (ABI 4: Linux 6.7, ABI 6: Linux 6.12)",
        ll.abi, ll.overridden ? " (simulated by --landlock-abi-override)" : "", p.require_abi,
        p.require_abi >= 6 ? "signal and abstract-socket scoping" : p.require_abi >= 4 ? "TCP rules" : "filesystem rights");
  }

  /* 2. Parent-death signal, then make sure the parent did not die before it was set. */
  pid_t parent = getppid();
  int deathsig = p.kind == POLICY_COMMAND ? SIGUSR1 : SIGKILL; /* the resident launcher cleans up first */
  if (prctl(PR_SET_PDEATHSIG, deathsig, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set the parent-death signal: %s", strerror(errno));
  if ((p.parent_pid > 0 && parent != p.parent_pid) || getppid() != parent) die(EXIT_PARENT_GONE, "the parent process is gone; not starting");

  /* 3. Own process group, so the supervisor can signal the whole group. */
  if (getpgrp() != getpid() && setpgid(0, 0) != 0)
    die(EXIT_PROCESS, "cannot create a process group: %s", strerror(errno));

  /* 4. Resource limits: soft and hard, so the program cannot raise them again. Tasks are counted by
   *    the pids cgroup, joined while we are still root; RLIMIT_NPROC is the fallback (per uid). */
  if (p.cgroup != NULL) {
    const char *failed = limits_join_cgroup(p.cgroup);
    if (failed) die(EXIT_RLIMIT, "cannot join the pids cgroup \"%s\": %s: %s", p.cgroup, failed, strerror(errno));
  }
  if (p.rlimit_data >= 0) set_limit(RLIMIT_DATA, "RLIMIT_DATA", (rlim_t)p.rlimit_data);
  if (p.rlimit_nofile >= 0) set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", (rlim_t)p.rlimit_nofile);
  if (p.rlimit_nproc >= 0) set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", (rlim_t)p.rlimit_nproc);
  if (p.rlimit_fsize >= 0) {
    set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", (rlim_t)p.rlimit_fsize);
    const char *failed = limits_ignore_sigxfsz();
    if (failed) die(EXIT_RLIMIT, "%s: %s", failed, strerror(errno));
  }
  set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0);

  /* 5. Nothing inherited beyond stdio (and the shared fchmod handler's socket, until the hand-over). */
  close_inherited_fds(p.fchmod_fd);

  /* The fchmod handler's writable directories and the explain file, opened while they still can be. */
  int explain_fd = -1;
  if (p.explain_file) {
    explain_fd = open(p.explain_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (explain_fd < 0) die(EXIT_USAGE, "cannot open --explain-file \"%s\": %s", p.explain_file, strerror(errno));
  }
  notify_prepare(p.write, p.n_write, explain_fd);

  /* 6. Landlock ruleset, prepared while the policy's paths can still be opened. */
  if (p.kind == POLICY_COMMAND) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    children_fd = open(path, O_RDONLY | O_CLOEXEC);
    note(&p, children_fd < 0 ? "cannot list children (%s): escaped descendants cannot be killed" : "children list: %s", path);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot become a child subreaper: %s", strerror(errno));
  }
  int ruleset = build_ruleset(&p, ll.abi);
  if (p.confine_signals && ll.abi < 6) {
    confine_signals_without_scoping(&p, ll.abi);
    /* After unshare(CLONE_NEWPID) this process can no longer start threads (clone with CLONE_THREAD
     * fails with EINVAL), so there is no fchmod handler thread: fchmod is refused instead of checked. */
    p.allow[SYS_fchmod / 32] &= ~(1u << (SYS_fchmod % 32));
    note(&p, "in a PID namespace fchmod is refused (EPERM): the checking handler needs a thread");
  }

  /* 6b. Root's programs run under the unprivileged uid; the credential change clears the parent-death
   *     signal, so it is set (and the parent checked) again. */
  if (p.uid >= 0 && geteuid() == 0) {
    const char *failed = identity_switch((uid_t)p.uid, (gid_t)p.gid);
    if (failed) die(EXIT_CAPS, "cannot switch to uid %lld gid %lld: %s: %s", p.uid, p.gid, failed, strerror(errno));
    if (prctl(PR_SET_PDEATHSIG, deathsig, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set the parent-death signal again: %s", strerror(errno));
    if (getppid() != parent) die(EXIT_PARENT_GONE, "the parent process is gone; not starting");
  }

  /* 7. No capabilities, no way back. */
  drop_capabilities();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(EXIT_PRCTL, "cannot set no_new_privs: %s", strerror(errno));
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) die(EXIT_PRCTL, "no_new_privs did not stick");

  /* 8. Enforce Landlock. */
  if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) die(EXIT_LANDLOCK, "cannot enforce Landlock: %s", strerror(errno));
  close(ruleset);

  /* 9. seccomp, then run. The launcher itself needs execve and exit. */
  allow_nr(&p, SYS_execve);
  allow_nr(&p, SYS_exit);
  allow_nr(&p, SYS_exit_group);
  const int fchmod_allowed = (p.allow[SYS_fchmod / 32] >> (SYS_fchmod % 32)) & 1;
  if (p.kind == POLICY_WORKER) {
    /* fchmod (and, in explain mode, every refusal) goes to a handler forked before the filter. */
    struct filter_opts fo = {.notify_fchmod = fchmod_allowed, .explain = explain_fd >= 0, .resident = 0, .handoff_fd = -1};
    if (fo.notify_fchmod && p.fchmod_fd >= 0) {
      /* The fleet's shared handler: no process of our own, just the listener sent over. */
      int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
      if (self < 0) die(EXIT_SECCOMP, "cannot open a pidfd for the fchmod handler: %s", strerror(errno));
      if (p.fchmod_pid > 0) prctl(PR_SET_PTRACER, (unsigned long)p.fchmod_pid, 0, 0, 0); /* where Yama asks */
      fo.handoff_fd = p.fchmod_fd;
      int listener = install_filter(POLICY_WORKER, p.allow, &fo);
      notify_send_to_shared(p.fchmod_fd, listener, self);
      refuse_sendmsg();
      exec_program(p.argv);
    }
    if (p.fchmod_fd >= 0) close(p.fchmod_fd);
    struct notify_handler handler;
    if (fo.notify_fchmod || fo.explain) {
      notify_fork_handler(&handler);
      fo.handoff_fd = handler.sock;
    }
    int listener = install_filter(POLICY_WORKER, p.allow, &fo);
    if (listener >= 0) {
      notify_hand_over(&handler, listener);
      refuse_sendmsg();
    }
    exec_program(p.argv);
  }
  /* The command's own filter is exactly its policy; the launcher's adds what supervising needs. */
  uint32_t child_allow[NR_WORDS];
  memcpy(child_allow, p.allow, sizeof child_allow);
  const int resident_needs[] = {SYS_wait4, SYS_waitid, SYS_kill, SYS_rt_sigprocmask, SYS_rt_sigtimedwait,
                                SYS_rt_sigaction, SYS_rt_sigreturn, SYS_prctl, SYS_getppid, SYS_getpid,
                                SYS_setpgid, SYS_pread64, SYS_write, SYS_close, SYS_clock_gettime, SYS_gettid,
                                SYS_seccomp,
                                /* the fchmod handler thread (notify.c) */
                                SYS_ioctl, SYS_pidfd_open, SYS_pidfd_getfd, SYS_fstat, SYS_readlink, SYS_openat2,
                                SYS_fchmodat, SYS_mmap, SYS_mprotect, SYS_munmap, SYS_clone, SYS_futex,
                                SYS_set_robust_list, SYS_rseq, SYS_madvise};
  for (size_t k = 0; k < sizeof resident_needs / sizeof resident_needs[0]; k++) allow_nr(&p, resident_needs[k]);
  const struct filter_opts resident_fo = {.notify_fchmod = fchmod_allowed, .explain = 0, .resident = 1, .handoff_fd = -1};
  resident_listener = install_filter(POLICY_COMMAND, p.allow, &resident_fo);
  if (resident_listener >= 0) notify_start_thread(resident_listener);
  run_resident(&p, child_allow, parent);
  return EXIT_RESIDENT;
}
