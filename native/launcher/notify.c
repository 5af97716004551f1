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

/* The directories a sandbox may write: an fchmod is allowed only beneath one of them. */
struct writable {
  int n;
  int fds[NOTIFY_MAX_DIRS]; /* O_PATH descriptors */
  char *paths[NOTIFY_MAX_DIRS]; /* their canonical paths, as /proc/self/fd shows them */
};

static struct writable own; /* this launcher's --write directories */
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

/* Adds the directory open as `fd` (taking it over); 0, or -1 when its path cannot be read. */
static int writable_add(struct writable *w, int fd) {
  char path[PATH_MAX];
  if (w->n >= NOTIFY_MAX_DIRS || fd_path(fd, path, sizeof path) != 0) return -1;
  char *copy = strdup(path);
  if (copy == NULL) return -1;
  w->fds[w->n] = fd;
  w->paths[w->n] = copy;
  w->n++;
  return 0;
}

static void writable_clear(struct writable *w) {
  for (int i = 0; i < w->n; i++) {
    close(w->fds[i]);
    free(w->paths[i]);
  }
  w->n = 0;
}

void notify_prepare(const char *const *write_paths, int n_write, int explain_fd) {
  explain_out = explain_fd;
  for (int i = 0; i < n_write && own.n < NOTIFY_MAX_DIRS; i++) {
    int fd = open(write_paths[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue; /* a file such as /dev/null: nothing can lie beneath it */
    if (writable_add(&own, fd) != 0) fail("cannot resolve writable directory \"%s\"", write_paths[i]);
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
static int inside_writable(const struct writable *w, int fd, const struct stat *st, char *path, size_t size) {
  if (fd_path(fd, path, size) != 0) return 0;
  for (int i = 0; i < w->n; i++) {
    size_t len = strlen(w->paths[i]);
    if (strncmp(path, w->paths[i], len) != 0 || path[len] != '/' || path[len + 1] == '\0') continue;
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int again = (int)syscall(SYS_openat2, w->fds[i], path + len + 1, &how, sizeof how);
    if (again < 0) continue;
    struct stat st2;
    int same = fstat(again, &st2) == 0 && st2.st_dev == st->st_dev && st2.st_ino == st->st_ino;
    close(again);
    if (same) return 1;
  }
  return 0;
}

/* Performs the fchmod asked for in `req`; returns 0 or an errno for the caller. */
static int serve_fchmod(int listener, const struct seccomp_notif *req, int pidfd, const struct writable *w) {
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
  else if (!inside_writable(w, fd, &st, path, sizeof path)) err = EPERM;
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

/*
 * Receives one notification on `listener` and answers it. `pidfd` < 0: open one for the request.
 * Returns 1 when the listener has no process left (or is unusable), else 0.
 */
static int serve_one(int listener, int pidfd, const struct writable *w) {
  struct seccomp_notif req;
  memset(&req, 0, sizeof req);
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
    if (errno == ENOENT && orphaned(listener)) return 1;
    return errno == EINTR || errno == ENOENT ? 0 : 1;
  }
  struct seccomp_notif_resp resp;
  memset(&resp, 0, sizeof resp);
  resp.id = req.id;
  int err;
  if (req.data.nr == SYS_fchmod) {
    int fd = pidfd >= 0 ? pidfd : open_pidfd((pid_t)req.pid);
    err = fd < 0 ? EPERM : serve_fchmod(listener, &req, fd, w);
    if (fd >= 0 && fd != pidfd) close(fd);
  } else {
    /* Explain mode: every refusal the filter would have answered with EPERM arrives here. */
    record("refused %d %llu", (int)req.data.nr, (unsigned long long)req.data.args[0]);
    err = EPERM;
  }
  resp.error = -err;
  /* ENOENT: the caller was killed meanwhile; nothing to answer. */
  ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  return 0;
}

/* Answers notifications until the listener has no process left. */
static void serve(int listener, int pidfd, const struct writable *w) {
  while (serve_one(listener, pidfd, w) == 0) {
  }
}

/*
 * The handler's own allow-list, installed once it holds what it serves (for the calling thread only):
 * what serving needs and nothing else, so even a handler gone wrong can do little. Everything else:
 * EPERM. The shared handler also receives hand-overs and keeps a growing table of them.
 */
static void lock_down(int shared) {
  static const int needed[] = {SYS_ioctl, SYS_pidfd_getfd, SYS_pidfd_open, SYS_newfstatat, SYS_fstat, SYS_readlink,
                               SYS_readlinkat, SYS_openat2, SYS_fchmodat, SYS_close, SYS_write, SYS_exit,
                               SYS_exit_group, SYS_rt_sigreturn, SYS_futex, SYS_restart_syscall, SYS_poll, SYS_ppoll,
                               SYS_dup2, /* shared handler only: */ SYS_recvmsg, SYS_brk, SYS_mmap, SYS_munmap, SYS_mremap};
  enum { N = sizeof needed / sizeof needed[0], N_SHARED_ONLY = 5 };
  const unsigned n_needed = shared ? N : N - N_SHARED_ONLY;
  struct sock_filter ins[N + 6];
  unsigned n = 0;
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  ins[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  ins[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (unsigned i = 0; i < n_needed; i++)
    ins[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)needed[i], (unsigned char)(n_needed - i), 0);
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
  lock_down(0);
  /* Nor its stderr, once there is nothing left to report on it: holding it would keep the worker's
   * stderr open after the worker exits, so whoever reads it to its end would wait for this process's
   * parent-death signal too. /dev/null takes its place, so nothing the handler holds ever gets fd 2. */
  if (quiet >= 0) {
    dup2(quiet, 2);
    close(quiet);
  } else {
    close(2);
  }
  serve(listener, pidfd, &own);
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
  for (int i = 0; i < own.n; i++) close(own.fds[i]);
}

/* ---------------------------------------------------------------------------------------------- */
/* Command policy: a thread of the resident launcher                                               */

static int thread_listener = -1;

static void *thread_main(void *arg) {
  (void)arg;
  lock_down(0);
  serve(thread_listener, -1, &own);
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

/* ---------------------------------------------------------------------------------------------- */
/* Worker policy: one shared handler for many workers                                              */

/* What a launcher sends: this header, with [listener, pidfd, writable directories...] attached. */
struct hand_over {
  uint32_t magic;
  uint32_t n_dirs;
};
#define HAND_OVER_MAGIC 0x31666366U /* "fcf1" */
#define HAND_OVER_FDS (2 + NOTIFY_MAX_DIRS)

void notify_send_to_shared(int sock, int listener, int pidfd) {
  struct hand_over h = {.magic = HAND_OVER_MAGIC, .n_dirs = (uint32_t)own.n};
  struct iovec iov = {.iov_base = &h, .iov_len = sizeof h};
  union {
    char buf[CMSG_SPACE(sizeof(int) * HAND_OVER_FDS)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  const size_t n_fds = 2 + (size_t)own.n;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * n_fds)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
  int fds[HAND_OVER_FDS];
  fds[0] = listener;
  fds[1] = pidfd;
  for (int i = 0; i < own.n; i++) fds[2 + i] = own.fds[i];
  memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
  /* One message with its descriptors: a stream socket never merges it with another one that carries any.
   * The socket is non-blocking (the supervisor's end is, and this is a copy of it): when the handler is
   * behind, wait for room, a bounded time. */
  ssize_t sent;
  int waited_ms = 0;
  while ((sent = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && (errno == EAGAIN || errno == EINTR) && waited_ms < 10000) {
    struct pollfd p = {.fd = sock, .events = POLLOUT};
    poll(&p, 1, 100);
    waited_ms += 100;
  }
  if (sent != (ssize_t)sizeof h)
    fail("cannot hand the seccomp listener to the shared fchmod handler: %s", sent < 0 && errno == EAGAIN
             ? "it has taken nothing for 10 s (stopped or overwhelmed); restart the fleet"
             : sent < 0 && errno == ETOOMANYREFS
                   ? "too many descriptors in flight for this user (a sandboxed program may be hoarding them in a socket); stop it, or restart the fleet"
                   : strerror(errno));
  close(listener);
  close(pidfd);
  close(sock);
  if (explain_out >= 0) close(explain_out);
  for (int i = 0; i < own.n; i++) close(own.fds[i]);
}

/* One worker the shared handler serves. */
struct served {
  int listener;
  int pidfd;
  struct writable dirs;
};

/* Takes one hand-over from `intake` into `into`; 1 when taken, 0 when the message was unusable, -1 at end. */
static int take_hand_over(int intake, struct served *into) {
  struct hand_over h;
  struct iovec iov = {.iov_base = &h, .iov_len = sizeof h};
  union {
    char buf[CMSG_SPACE(sizeof(int) * HAND_OVER_FDS) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t got = recvmsg(intake, &msg, MSG_CMSG_CLOEXEC);
  if (got == 0) return -1;
  if (got < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
  int fds[HAND_OVER_FDS];
  size_t n_fds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (n_fds < HAND_OVER_FDS) fds[n_fds++] = fd;
      else close(fd);
    }
  }
  int ok = got == (ssize_t)sizeof h && h.magic == HAND_OVER_MAGIC && h.n_dirs <= NOTIFY_MAX_DIRS &&
           (msg.msg_flags & MSG_CTRUNC) == 0 && n_fds == 2 + (size_t)h.n_dirs;
  into->listener = -1;
  into->pidfd = -1;
  into->dirs.n = 0;
  if (ok) {
    into->listener = fds[0];
    into->pidfd = fds[1];
    for (size_t i = 2; i < n_fds && ok; i++) {
      if (writable_add(&into->dirs, fds[i]) != 0) ok = 0;
      else fds[i] = -1;
    }
  }
  if (!ok) {
    writable_clear(&into->dirs);
    for (size_t i = 0; i < n_fds; i++)
      if (fds[i] >= 0) close(fds[i]);
    return 0;
  }
  return 1;
}

static void served_close(struct served *s) {
  close(s->listener);
  close(s->pidfd);
  writable_clear(&s->dirs);
}

void notify_serve_shared(int intake) {
  /* With the sender's credentials attached, the kernel never glues bytes of two senders into one read,
   * so one launcher's hand-over cannot be torn by another's. */
  int one = 1;
  if (setsockopt(intake, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) fail("cannot set SO_PASSCRED on the hand-over socket: %s", strerror(errno));
  lock_down(1);
  struct served *served = NULL;
  struct pollfd *polls = NULL; /* [0]: intake; [1 + i]: served[i].listener */
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 1 > cap) {
      size_t more = cap == 0 ? 16 : cap * 2;
      struct served *s = realloc(served, more * sizeof *s);
      if (s != NULL) served = s;
      struct pollfd *p = s == NULL ? NULL : realloc(polls, (more + 1) * sizeof *p);
      if (p == NULL) fail("out of memory for %zu workers", n + 1);
      polls = p;
      cap = more;
    }
    polls[0] = (struct pollfd){.fd = intake, .events = POLLIN};
    for (size_t i = 0; i < n; i++) polls[1 + i] = (struct pollfd){.fd = served[i].listener, .events = POLLIN};
    if (poll(polls, n + 1, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll: %s", strerror(errno));
    }
    /* Workers first, one request each per round, so one busy worker cannot starve the others. */
    for (size_t i = 0; i < n;) {
      short ev = polls[1 + i].revents;
      int gone = 0;
      if (ev & POLLIN) gone = serve_one(served[i].listener, served[i].pidfd, &served[i].dirs);
      else if (ev & (POLLHUP | POLLERR | POLLNVAL)) gone = 1;
      if (!gone) {
        i++;
        continue;
      }
      served_close(&served[i]);
      served[i] = served[n - 1];
      polls[1 + i] = polls[n];
      n--;
    }
    if (polls[0].revents & POLLIN) {
      int r = take_hand_over(intake, &served[n]);
      if (r < 0) _exit(0); /* the supervisor closed its end: the fleet is gone */
      if (r > 0) n++;
    } else if (polls[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
      _exit(0);
    }
  }
}
