/* See resource_limits.h. */
#define _GNU_SOURCE
#include "resource_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *limits_join_cgroup(const char *dir) {
  char path[4096];
  if (dir[0] != '/' || (size_t)snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= sizeof path) {
    errno = EINVAL;
    return "the cgroup path must be absolute and shorter than 4 KiB";
  }
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return "opening cgroup.procs";
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  ssize_t w = write(fd, pid, (size_t)n);
  int saved = errno;
  close(fd);
  if (w != n) {
    errno = w < 0 ? saved : EIO;
    return "writing our pid to cgroup.procs";
  }
  return NULL;
}

const char *limits_ignore_sigxfsz(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  if (sigaction(SIGXFSZ, &sa, NULL) != 0) return "ignoring SIGXFSZ";
  return NULL;
}
