/*
 * Signal confinement without Landlock signal scoping: a PID namespace for the command tree.
 *
 * Landlock ABI 6 (Linux 6.12) scopes signals to the sandbox. On older kernels the resident command
 * launcher instead creates a PID namespace before forking the command: the process it forks becomes
 * PID 1 of that namespace (a small init that forks the command, reaps orphans and exits with the
 * command's status), and nothing inside can name, let alone signal, a process outside it. The
 * namespace is made with CAP_SYS_ADMIN when the launcher has it (root), otherwise inside a new user
 * namespace mapping only the caller's own uid and gid (unprivileged user namespaces).
 */
#ifndef CODEX_FLEET_PIDNS_H
#define CODEX_FLEET_PIDNS_H

#include <sys/types.h>

enum pidns_mode {
  PIDNS_NONE = 0,       /* neither way works on this host */
  PIDNS_PRIVILEGED = 1, /* unshare(CLONE_NEWPID) with CAP_SYS_ADMIN */
  PIDNS_USERNS = 2,     /* unshare(CLONE_NEWUSER | CLONE_NEWPID), own uid/gid mapped */
};

/* "privileged", "user-namespace" or "none", for --check. */
const char *pidns_mode_name(enum pidns_mode mode);

/*
 * Tries both ways in a throw-away child (which also forks a PID 1 to be sure) and says which works.
 * Changes nothing in the caller. For --check.
 */
enum pidns_mode pidns_probe(void);

/*
 * Makes the caller's next child PID 1 of a new PID namespace. Call before capabilities are dropped and
 * before seccomp (which refuses unshare). Returns the mode used, or PIDNS_NONE with `*why` set to a
 * sentence naming what failed (errno kept).
 */
enum pidns_mode pidns_enter(const char **why);

/* Whether pidns_enter succeeded in this process (or its parent, for the forked child). */
int pidns_active(void);

/*
 * In the forked child: whether the launcher that forked it is still alive. Inside the namespace
 * getppid() is 0 whatever happens to the parent, so a pipe whose write end only the launcher holds
 * tells instead. Outside a namespace: getppid() == launcher.
 */
int pidns_parent_alive(pid_t launcher);

/*
 * In the forked child, when it is PID 1 of the new namespace: forks once more and returns 0 in the
 * grandchild, which goes on to exec the command; the child itself stays as the namespace's init,
 * reaps every process reparented to it and exits with the command's status (128 + N if a signal N
 * killed it); its exit makes the kernel kill whatever is left in the namespace. Outside a namespace it
 * returns 0 at once. Returns -1 (errno set) if the fork fails.
 */
int pidns_become_init(void);

#endif
