/*
 * The resident fchmod handler and explain mode: see notify.h and README.md ("fchmod and explain mode").
 *
 * Why fchmod is not simply allowed: Landlock does not govern file metadata, so a sandboxed program could
 * otherwise open any file it may read and change its mode (as root, `fchmod(fd, 04777)` on its own
 * runtime). Why it is not simply refused: libuv's copyfile (Node's fs.copyFile) calls fchmod on the file
 * it has just created and fails when that fails. The handler allows exactly the case that cannot weaken
 * anything: a file (or directory) beneath a directory the sandbox may write anyway, reachable there
 * without symlinks, with one link only (so not a hard link to a file elsewhere), and no set-id or
 * sticky bits in the new mode.
 */
#define _GNU_SOURCE
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd for one thread */
#endif
#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif

#define MAX_DIRS 64

static int dir_fds[MAX_DIRS];
static char *dir_paths[MAX_DIRS];
static int n_dirs;
static int explain_out = -1;

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void fail(const char *fmt, ...) {
  char buf[512];
  int off = snprintf(buf, sizeof buf, "codex-fleet-launcher: ");
  va_list ap;
  va_start(ap, fmt);
  off += vsnprintf(buf + off, sizeof buf - (size_t)off - 2, fmt, ap);
  va_end(ap);
  if (off > (int)sizeof buf - 2) off = (int)sizeof buf - 2;
  buf[off++] = '\n';
  ssize_t ignored = write(2, buf, (size_t)off);
  (void)ignored;
  _exit(NOTIFY_EXIT_CODE);
}

/* The canonical path of an open descriptor, from /proc/self/fd (readlink is not a Landlock right). */
static int fd_path(int fd, char *out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  if (n < 0 || (size_t)n >= size - 1) return -1;
  out[n] = '\0';
  return 0;
}

void notify_prepare(const char *const *write_paths, int n_write, int explain_fd) {
  explain_out = explain_fd;
  for (int i = 0; i < n_write && n_dirs < MAX_DIRS; i++) {
    int fd = open(write_paths[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue; /* a file such as /dev/null: nothing can lie beneath it */
    char path[PATH_MAX];
    if (fd_path(fd, path, sizeof path) != 0) fail("cannot resolve writable directory \"%s\"", write_paths[i]);
    dir_fds[n_dirs] = fd;
    dir_paths[n_dirs] = strdup(path);
    if (dir_paths[n_dirs] == NULL) fail("out of memory");
    n_dirs++;
  }
}

/* One explain record; short lines in one write, so records from threads never interleave. */
static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void record(const char *fmt, ...) {
  if (explain_out < 0) return;
  char buf[PATH_MAX + 128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  ssize_t ignored = write(explain_out, buf, (size_t)n);
  (void)ignored;
}

/*
 * Whether the object behind `fd` lies beneath a writable directory: its path must start with that
 * directory's, and opening the rest of the path beneath the directory (no "..", no symlinks, no other
 * mount) must reach the very same inode.
 */
static int inside_writable(int fd, const struct stat *st, char *path, size_t size) {
  if (fd_path(fd, path, size) != 0) return 0;
  for (int i = 0; i < n_dirs; i++) {
    size_t len = strlen(dir_paths[i]);
    if (strncmp(path, dir_paths[i], len) != 0 || path[len] != '/' || path[len + 1] == '\0') continue;
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int again = (int)syscall(SYS_openat2, dir_fds[i], path + len + 1, &how, sizeof how);
    if (again < 0) continue;
    struct stat st2;
    int same = fstat(again, &st2) == 0 && st2.st_dev == st->st_dev && st2.st_ino == st->st_ino;
    close(again);
    if (same) return 1;
  }
  return 0;
}

/* Performs the fchmod asked for in `req`; returns 0 or an errno for the caller. */
static int serve_fchmod(int listener, const struct seccomp_notif *req, int pidfd) {
  int target_fd = (int)req->data.args[0];
  unsigned mode = (unsigned)req->data.args[1] & 07777; /* what the kernel's fchmod looks at (libuv passes st_mode) */
  int fd = (int)syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
  if (fd < 0) return errno == EBADF ? EBADF : EPERM;
  /* The descriptor number must still have meant this request's process. */
  __u64 id = req->id;
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) {
    close(fd);
    return ESRCH;
  }
  char path[PATH_MAX];
  path[0] = '\0';
  struct stat st;
  int err = 0;
  if (fstat(fd, &st) != 0) err = errno;
  else if (mode & ~0777U) err = EPERM; /* never set-uid, set-gid or sticky */
  else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) err = EPERM;
  else if (S_ISREG(st.st_mode) && st.st_nlink != 1) err = EPERM; /* a hard link may be a file elsewhere */
  else if (!inside_writable(fd, &st, path, sizeof path)) err = EPERM;
  if (err == 0) {
    /* Through /proc/self/fd: in the command policy this process's own filter routes fchmod here. */
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    if (fchmodat(AT_FDCWD, link, (mode_t)mode, 0) != 0) err = errno;
  }
  if (err != 0) {
    if (path[0] == '\0') fd_path(fd, path, sizeof path);
    record("fchmod %d %o %s", err, mode, path);
  }
  close(fd);
  return err;
}

static int open_pidfd(pid_t tid) {
  int fd = (int)syscall(SYS_pidfd_open, tid, 0);
  /* A thread that is not its process's leader needs PIDFD_THREAD (Linux 6.9); older kernels refuse it. */
  if (fd < 0 && (errno == EINVAL || errno == ENOENT)) fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
  return fd;
}

/*
 * Whether no process is left under the filter. Then every receive fails at once with ENOENT, as one
 * does when a notifying process is killed before its request is read; the listener tells them apart by
 * reporting POLLHUP only in the first case. Without this check the handler would spin on ENOENT from
 * the worker's exit until its own parent-death signal arrives.
 */
static int orphaned(int listener) {
  struct pollfd p = {.fd = listener, .events = POLLIN};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0;
}

/* Answers notifications until the listener has no process left. `pidfd` < 0: open one per request. */
static void serve(int listener, int pidfd) {
  for (;;) {
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      if (errno == ENOENT && orphaned(listener)) return;
      if (errno == EINTR || errno == ENOENT) continue;
      return;
    }
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    int err;
    if (req.data.nr == SYS_fchmod) {
      int own = pidfd >= 0 ? pidfd : open_pidfd((pid_t)req.pid);
      err = own < 0 ? EPERM : serve_fchmod(listener, &req, own);
      if (own >= 0 && own != pidfd) close(own);
    } else {
      /* Explain mode: every refusal the filter would have answered with EPERM arrives here. */
      record("refused %d %llu", (int)req.data.nr, (unsigned long long)req.data.args[0]);
      err = EPERM;
    }
    resp.error = -err;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT) continue;
  }
}

/*
 * The handler's own allow-list, installed once it holds the listener (for the calling thread only): what
 * serving needs and nothing else, so even a handler gone wrong can do little. Everything else: EPERM.
 */
static void lock_down(void) {
  static const int needed[] = {SYS_ioctl, SYS_pidfd_getfd, SYS_pidfd_open, SYS_newfstatat, SYS_fstat, SYS_readlink,
                               SYS_readlinkat, SYS_openat2, SYS_fchmodat, SYS_close, SYS_write, SYS_exit,
                               SYS_exit_group, SYS_rt_sigreturn, SYS_futex, SYS_restart_syscall, SYS_poll, SYS_ppoll,
                               SYS_dup2};
  enum { N = sizeof needed / sizeof needed[0] };
  struct sock_filter ins[N + 6];
  unsigned n = 0;
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  ins[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (unsigned i = 0; i < N; i++)
    ins[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)needed[i], (unsigned char)(N - i), 0);
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = ins};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) fail("cannot confine the fchmod handler: %s", strerror(errno));
}

/* ---------------------------------------------------------------------------------------------- */
/* Worker policy: a handler process beside the worker                                              */

/* Receives the listener the worker sends (SCM_RIGHTS); -1 if the worker died first. */
static int receive_listener(int sock) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static void handler_main(int sock, pid_t worker) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != worker) _exit(0);
  /* Not the worker's stdin or stdout: the supervisor must see them close when the worker exits. */
  close(0);
  close(1);
  int quiet = open("/dev/null", O_WRONLY | O_CLOEXEC);
  int pidfd = (int)syscall(SYS_pidfd_open, worker, 0);
  int listener = receive_listener(sock);
  if (listener < 0 || pidfd < 0) _exit(0);
  close(sock);
  lock_down();
  /* Nor its stderr, once there is nothing left to report on it: holding it would keep the worker's
   * stderr open after the worker exits, so whoever reads it to its end would wait for this process's
   * parent-death signal too. /dev/null takes its place, so nothing the handler holds ever gets fd 2. */
  if (quiet >= 0) {
    dup2(quiet, 2);
    close(quiet);
  } else {
    close(2);
  }
  serve(listener, pidfd);
  _exit(0);
}

void notify_fork_handler(struct notify_handler *h) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    fail("cannot create the fchmod handler's socket: %s", strerror(errno));
  pid_t worker = getpid();
  pid_t pid = fork();
  if (pid < 0) fail("cannot start the fchmod handler: %s", strerror(errno));
  if (pid == 0) {
    close(sv[0]);
    handler_main(sv[1], worker);
  }
  close(sv[1]);
  /* Where Yama restricts ptrace to descendants, let the handler (our child) take descriptors from us. */
  prctl(PR_SET_PTRACER, (unsigned long)pid, 0, 0, 0);
  h->pid = pid;
  h->sock = sv[0];
}

void notify_hand_over(struct notify_handler *h, int listener) {
  /* Sent, not fetched: the worker goes on to exec without waiting for the handler to be scheduled. */
  char byte = 0;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &listener, sizeof listener);
  if (sendmsg(h->sock, &msg, 0) != 1) fail("cannot hand the seccomp listener to the fchmod handler: %s", strerror(errno));
  /* The worker must not keep the listener: with it, it could answer its own notifications. */
  close(listener);
  close(h->sock);
  if (explain_out >= 0) close(explain_out);
  for (int i = 0; i < n_dirs; i++) close(dir_fds[i]);
}

/* ---------------------------------------------------------------------------------------------- */
/* Command policy: a thread of the resident launcher                                               */

static int thread_listener = -1;

static void *thread_main(void *arg) {
  (void)arg;
  lock_down();
  serve(thread_listener, -1);
  return NULL;
}

void notify_start_thread(int listener) {
  thread_listener = listener;
  /* The launcher waits for its signals with sigtimedwait; the thread must never be the one to take one. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t t;
  int e = pthread_create(&t, NULL, thread_main, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e != 0) fail("cannot start the fchmod handler thread: %s", strerror(e));
  pthread_detach(t);
}
