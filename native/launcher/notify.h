/*
 * The launcher's resident fchmod handler and explain mode (seccomp user notification).
 *
 * A sandboxed program's `fchmod` is not run by the kernel directly: the seccomp filter hands it to a
 * small handler outside that filter, which takes a copy of the descriptor (pidfd_getfd), checks that
 * the file lies beneath one of the sandbox's writable directories and is not a hard link, and performs
 * the change on the program's behalf. In explain mode the same handler also hears every refused
 * syscall and writes one line per refusal to the explain file.
 *
 * Worker policy: either one shared handler serves every worker of a fleet (`--fchmod-daemon`,
 * notify_serve_shared), and each worker's launcher sends it the listener (notify_send_to_shared); or,
 * when no shared handler is given, a handler process is forked before the worker's filter goes in
 * (notify_fork_handler), takes over the filter's listener (notify_hand_over) and lives as long as the
 * worker.
 * Command policy: the resident launcher's own filter carries the notifications and a thread of the
 * launcher serves them (notify_start_thread).
 */
#ifndef CODEX_FLEET_NOTIFY_H
#define CODEX_FLEET_NOTIFY_H

#include <sys/types.h>

#define NOTIFY_EXIT_CODE 119 /* the launcher's EXIT_SECCOMP: setting up the handler is part of the filter */
#define NOTIFY_MAX_DIRS 64   /* writable directories one sandbox's fchmod may act beneath */

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

/*
 * Worker policy with a shared handler: sends the listener, `pidfd` (the worker's own) and the writable
 * directories over `sock`, a stream socket whose other end the shared handler reads; closes all of them
 * and the explain descriptor. The filter must let sendmsg on `sock` through. Fails (exit) when the
 * handler is gone.
 */
void notify_send_to_shared(int sock, int listener, int pidfd);

/*
 * The shared handler: confines itself, then serves every worker handed over on `intake` until the other
 * end of `intake` is closed. Never returns.
 */
void notify_serve_shared(int intake) __attribute__((noreturn));

/* Command policy: serves `listener` from a thread of the calling (resident) process. */
void notify_start_thread(int listener);

#endif
