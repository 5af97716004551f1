/*
 * The launcher's resident fchmod handler and explain mode (seccomp user notification).
 *
 * A sandboxed program's `fchmod` is not run by the kernel directly: the seccomp filter hands it to a
 * small handler outside that filter, which takes a copy of the descriptor (pidfd_getfd), checks that
 * the file lies beneath one of the sandbox's writable directories and is not a hard link, and performs
 * the change on the program's behalf. In explain mode the same handler also hears every refused
 * syscall and writes one line per refusal to the explain file.
 *
 * Worker policy: a handler process is forked before the worker's filter goes in (notify_fork_handler),
 * takes over the filter's listener (notify_hand_over) and lives as long as the worker.
 * Command policy: the resident launcher's own filter carries the notifications and a thread of the
 * launcher serves them (notify_start_thread).
 */
#ifndef CODEX_FLEET_NOTIFY_H
#define CODEX_FLEET_NOTIFY_H

#include <sys/types.h>

#define NOTIFY_EXIT_CODE 119 /* the launcher's EXIT_SECCOMP: setting up the handler is part of the filter */

struct notify_handler {
  pid_t pid; /* the handler process (worker policy) */
  int sock;  /* our end of the socket the listener is sent over; the filter lets sendmsg on it through */
};

/*
 * Which directories count as "inside the sandbox" for fchmod (the policy's --write paths; files and
 * missing paths are skipped) and where explain records go (-1: no explain mode). Call once, before
 * Landlock is enforced, so the directories can still be opened.
 */
void notify_prepare(const char *const *write_paths, int n_write, int explain_fd);

/*
 * Worker policy: forks the handler. The caller then installs its filter with a listener, letting
 * sendmsg on h->sock through (the only way the listener can leave once the filter is in place).
 */
void notify_fork_handler(struct notify_handler *h);

/* Sends the listener to the handler and closes the caller's copies (listener, socket); does not wait. */
void notify_hand_over(struct notify_handler *h, int listener);

/* Command policy: serves `listener` from a thread of the calling (resident) process. */
void notify_start_thread(int listener);

#endif
