/* See prctl_filter.h. */
#define _GNU_SOURCE
#include "prctl_filter.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/seccomp.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856
#endif

/*
 * Passed on (still subject to prctl being in the allow-list). Reads of the process' own settings, thread
 * and memory names, timer slack, and settings that only tighten the sandbox.
 */
static const uint32_t allowed_options[] = {
  PR_SET_NAME,             /* thread names: Node's process.title, npm, pthread_setname_np */
  PR_GET_NAME,
  PR_SET_VMA,              /* naming anonymous memory (glibc, V8) */
  PR_GET_PDEATHSIG,
  PR_GET_DUMPABLE,
  PR_GET_KEEPCAPS,
  PR_GET_SECUREBITS,
  PR_CAPBSET_READ,
  PR_GET_NO_NEW_PRIVS,
  PR_SET_NO_NEW_PRIVS,     /* can only be set, never cleared */
  PR_GET_SECCOMP,
  PR_SET_SECCOMP,          /* adds a filter; filters only ever tighten */
  PR_GET_TIMERSLACK,
  PR_SET_TIMERSLACK,
  PR_GET_THP_DISABLE,
  PR_SET_THP_DISABLE,
  PR_GET_CHILD_SUBREAPER,
  PR_GET_TID_ADDRESS,
  PR_GET_SPECULATION_CTRL,
  PR_GET_AUXV,
};

#define NR_OFF ((uint32_t)offsetof(struct seccomp_data, nr))
#define ARG0 ((uint32_t)offsetof(struct seccomp_data, args))
#define ARG1 (ARG0 + 8)

unsigned prctl_rule(struct sock_filter *out, unsigned room) {
  const unsigned n_allowed = sizeof allowed_options / sizeof allowed_options[0];
  /* Layout:
   *   0            if nr != prctl goto END
   *   1            A = option
   *   2            if option == PR_SET_PDEATHSIG goto PDEATH
   *   3 .. 3+k-1   if option == allowed[i] goto PASS
   *   3+k          return EPERM
   *   PDEATH:      A = arg2; if arg2 == SIGKILL goto PASS; return EPERM
   *   PASS/END:    A = nr
   */
  const unsigned total = 3 + n_allowed + 1 + 3 + 1;
  if (room < total) return 0;
  const uint32_t deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  const unsigned pdeath = 3 + n_allowed + 1;
  const unsigned pass = pdeath + 3;
  unsigned n = 0;
#define AT(code, jt, jf, k) (out[n] = (struct sock_filter){(uint16_t)(code), (uint8_t)(jt), (uint8_t)(jf), (uint32_t)(k)}, n++)
  AT(BPF_JMP | BPF_JEQ | BPF_K, 0, pass - 1, SYS_prctl);
  AT(BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0);
  AT(BPF_JMP | BPF_JEQ | BPF_K, pdeath - 3, 0, PR_SET_PDEATHSIG);
  for (unsigned i = 0; i < n_allowed; i++) AT(BPF_JMP | BPF_JEQ | BPF_K, pass - n - 1, 0, allowed_options[i]);
  AT(BPF_RET | BPF_K, 0, 0, deny);
  AT(BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG1);
  AT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SIGKILL);
  AT(BPF_RET | BPF_K, 0, 0, deny);
  AT(BPF_LD | BPF_W | BPF_ABS, 0, 0, NR_OFF);
#undef AT
  return n;
}
