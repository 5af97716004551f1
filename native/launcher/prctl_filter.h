/*
 * The seccomp rule for prctl(2): only the options runtimes use (Node/V8, glibc, Python, git, npm were
 * traced) and options that can only make the sandbox stricter are passed on; every other option gets
 * EPERM. Notably PR_SET_PDEATHSIG is refused unless it sets SIGKILL, so a sandboxed program cannot
 * clear or soften the signal that ends it with its parent (and so outlive the supervisor).
 */
#ifndef CODEX_FLEET_PRCTL_FILTER_H
#define CODEX_FLEET_PRCTL_FILTER_H

#include <linux/filter.h>

/*
 * Writes the rule's BPF instructions to `out` (at most `room`) and returns how many, or 0 if they do
 * not fit. Expects the accumulator to hold the syscall number; a prctl call with an allowed option, and
 * every other syscall, falls through with the syscall number loaded again, so the allow-list that
 * follows still decides whether prctl is allowed at all.
 */
unsigned prctl_rule(struct sock_filter *out, unsigned room);

#endif
