/*
 * Bounds on what one sandboxed program (and, with the command policy, its whole process tree) may use
 * beyond memory: tasks (threads and processes) through a pids cgroup the supervisor prepared, and the
 * size of any one file it writes (RLIMIT_FSIZE, with SIGXFSZ ignored so a write past the limit fails
 * with EFBIG instead of killing the writer).
 */
#ifndef CODEX_FLEET_RESOURCE_LIMITS_H
#define CODEX_FLEET_RESOURCE_LIMITS_H

/*
 * Moves the calling process into the cgroup directory `dir` (cgroup v1 or v2: both have cgroup.procs).
 * Must run while the launcher is still root (before the uid switch and Landlock). Returns NULL on
 * success, otherwise what failed (errno kept).
 */
const char *limits_join_cgroup(const char *dir);

/* Ignore SIGXFSZ (kept across exec): a write past RLIMIT_FSIZE then fails with EFBIG. */
const char *limits_ignore_sigxfsz(void);

#endif
