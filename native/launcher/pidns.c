/* Signal confinement by PID namespace for kernels without Landlock signal scoping. See pidns.h. */
#define _GNU_SOURCE
#include "pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIDNS_EXIT_INIT_FAILED 120 /* same meaning as the launcher's EXIT_RESIDENT */

static int active;
/* Created with the namespace; only the resident launcher keeps the write end open. */
static int watch[2] = {-1, -1};

const char *pidns_mode_name(enum pidns_mode mode) {
  switch (mode) {
    case PIDNS_PRIVILEGED: return "privileged";
    case PIDNS_USERNS: return "user-namespace";
    default: return "none";
  }
}

int pidns_active(void) { return active; }

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)len ? 0 : -1;
}

/* Maps only the caller's own uid and gid into the fresh user namespace, so files keep their owners. */
static int map_self(uid_t uid, gid_t gid, const char **why) {
  char line[64];
  if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
    *why = "cannot write /proc/self/setgroups in the new user namespace";
    return -1;
  }
  snprintf(line, sizeof line, "%u %u 1", (unsigned)uid, (unsigned)uid);
  if (write_file("/proc/self/uid_map", line) != 0) {
    *why = "cannot write /proc/self/uid_map in the new user namespace";
    return -1;
  }
  snprintf(line, sizeof line, "%u %u 1", (unsigned)gid, (unsigned)gid);
  if (write_file("/proc/self/gid_map", line) != 0) {
    *why = "cannot write /proc/self/gid_map in the new user namespace";
    return -1;
  }
  return 0;
}

enum pidns_mode pidns_enter(const char **why) {
  if (pipe2(watch, O_CLOEXEC | O_NONBLOCK) != 0) {
    *why = "cannot create a pipe to watch the launcher";
    return PIDNS_NONE;
  }
  if (unshare(CLONE_NEWPID) == 0) {
    active = 1;
    return PIDNS_PRIVILEGED;
  }
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) {
    *why = "unshare(CLONE_NEWPID) needs CAP_SYS_ADMIN and unshare(CLONE_NEWUSER | CLONE_NEWPID) was refused "
           "(unprivileged user namespaces are off)";
    return PIDNS_NONE;
  }
  if (map_self(uid, gid, why) != 0) return PIDNS_NONE;
  active = 1;
  return PIDNS_USERNS;
}

int pidns_parent_alive(pid_t launcher) {
  if (!active) return getppid() == launcher;
  close(watch[1]);
  watch[1] = -1;
  char c;
  /* EAGAIN: a writer (the launcher) still holds the pipe; 0 (end of file): it is gone. */
  return read(watch[0], &c, 1) < 0 && errno == EAGAIN;
}

int pidns_become_init(void) {
  if (!active || getpid() != 1) return 0;
  close(watch[0]);
  watch[0] = -1;
  pid_t command = fork();
  if (command < 0) return -1;
  if (command == 0) return 0;
  /* Init: every orphan of the tree is reparented here; reap them all until the command itself ends.
   * Signals stay blocked (the launcher blocked them before forking): none of them can stop init. */
  for (;;) {
    int st;
    pid_t done = waitpid(-1, &st, __WALL);
    if (done == command) {
      if (WIFEXITED(st)) _exit(WEXITSTATUS(st));
      if (WIFSIGNALED(st)) _exit(128 + WTERMSIG(st));
      _exit(PIDNS_EXIT_INIT_FAILED);
    }
    if (done < 0 && errno != EINTR) _exit(PIDNS_EXIT_INIT_FAILED);
  }
}

enum pidns_mode pidns_probe(void) {
  pid_t pid = fork();
  if (pid < 0) return PIDNS_NONE;
  if (pid == 0) {
    const char *why = NULL;
    enum pidns_mode mode = pidns_enter(&why);
    if (mode != PIDNS_NONE) {
      pid_t init = fork();
      if (init < 0) _exit(PIDNS_NONE);
      if (init == 0) _exit(getpid() == 1 ? 0 : 1);
      int st;
      if (waitpid(init, &st, 0) != init || !WIFEXITED(st) || WEXITSTATUS(st) != 0) mode = PIDNS_NONE;
    }
    _exit((int)mode);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return PIDNS_NONE;
  return WIFEXITED(st) && WEXITSTATUS(st) <= PIDNS_USERNS ? (enum pidns_mode)WEXITSTATUS(st) : PIDNS_NONE;
}
